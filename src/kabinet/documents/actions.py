"""Writes on documents."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse

from kabinet.core.audit import record_audit
from kabinet.crm.models import Company, Contact, Order
from kabinet.crm.notices import notify_owners
from kabinet.crm.timeline import record_timeline
from kabinet.documents.models import Document
from kabinet.files.actions import attach_file, store_file
from kabinet.files.models import ClientFile


def _published(*, actor: Any, document: Document) -> None:
    """What publishing a document means for the client: his history, and a notice (an email) with the link."""
    awaiting = document.status == Document.Status.AWAITING_SIGNATURE
    record_timeline(
        event="document.awaiting_signature" if awaiting else "document.issued",
        kind="document",
        subject=document,
        company=document.company,
        contact=document.contact,
        actor=actor,
        title=document.title,
    )
    notify_owners(
        actor=actor,
        event="document.issued",
        company_id=document.company_id,
        contact_id=document.contact_id,
        url=reverse("documents:detail", args=[document.public_id]),
        subject_public_id=document.public_id,
        params={
            "title": document.title,
            "number": document.number,
            "kind": document.kind,
            "awaiting_signature": awaiting,
        },
    )


@transaction.atomic
def issue_document(
    *,
    actor: Any,
    title: str,
    kind: str,
    company: Company | None,
    contact: Contact | None,
    order: Order | None = None,
    number: str = "",
    date: datetime.date | None = None,
    file: ClientFile | None = None,
    status: str = Document.Status.ISSUED,
) -> Document:
    """Publish a document to the client (a draft stays invisible, writes no client history, tells nobody)."""
    document = Document(
        title=title,
        kind=kind,
        company=company,
        contact=contact,
        order=order,
        number=number,
        date=date,
        file=file,
        status=status,
    )
    document.full_clean()
    document.save()
    if file is not None:
        attach_file(actor=actor, file=file, subject=document)
    if status != Document.Status.DRAFT:
        _published(actor=actor, document=document)
    record_audit(event="document.created", actor=actor, target=document, status=status)
    return document


@transaction.atomic
def save_document(*, actor: Any, document: Document, changed_fields: list[str]) -> Document:
    """Save a document edited in the back office; publishing a draft writes the history and tells the client."""
    was_draft = (
        document.pk is None or Document.objects.filter(pk=document.pk, status=Document.Status.DRAFT).exists()
    )
    document.full_clean()
    document.save()
    if document.file is not None:
        attach_file(actor=actor, file=document.file, subject=document)
    if was_draft and document.status != Document.Status.DRAFT:
        _published(actor=actor, document=document)
    record_audit(event="document.saved", actor=actor, target=document, fields=sorted(changed_fields))
    return document


@transaction.atomic
def issue_uploaded_document(
    *,
    actor: Any,
    upload: UploadedFile,
    title: str,
    kind: str,
    company: Company | None,
    contact: Contact | None,
    order: Order | None = None,
    number: str = "",
    date: datetime.date | None = None,
    status: str = Document.Status.ISSUED,
) -> Document:
    """Publish a document together with its file (the API's multipart upload).

    The document's fields are validated before the file is stored, so bad input never leaves bytes on disk;
    the file is checked by size and content by ``store_file`` (errors on the ``file`` field)."""
    Document(
        title=title,
        kind=kind,
        company=company,
        contact=contact,
        order=order,
        number=number,
        date=date,
        status=status,
    ).full_clean(exclude=["file"])
    try:
        stored = store_file(
            actor=actor,
            upload=upload,
            company=company,
            contact=contact,
            client_visible=status != Document.Status.DRAFT,
            error_field="file",
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise
        raise ValidationError({"file": error.messages}) from error  # size and content checks name no field
    return issue_document(
        actor=actor,
        title=title,
        kind=kind,
        company=company,
        contact=contact,
        order=order,
        number=number,
        date=date,
        file=stored,
        status=status,
    )
