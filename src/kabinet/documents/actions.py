"""Writes on documents."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kabinet.core.audit import record_audit
from kabinet.crm.models import Company, Contact, Order
from kabinet.crm.timeline import record_timeline, register_events
from kabinet.documents.models import Document
from kabinet.files.models import ClientFile

register_events(
    {
        "document.issued": _("Document “%(title)s” was issued"),
        "document.awaiting_signature": _("Document “%(title)s” awaits your signature"),
    }
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
    """Publish a document to the client (a draft stays invisible and writes no client history)."""
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
    if status != Document.Status.DRAFT:
        event = (
            "document.awaiting_signature"
            if status == Document.Status.AWAITING_SIGNATURE
            else "document.issued"
        )
        record_timeline(
            event=event,
            kind="document",
            subject=document,
            company=company,
            contact=contact,
            actor=actor,
            title=title,
        )
    record_audit(event="document.created", actor=actor, target=document, status=status)
    return document


@transaction.atomic
def save_document(*, actor: Any, document: Document, changed_fields: list[str]) -> Document:
    """Save a document edited in the back office; publishing a draft writes the client's history."""
    was_draft = (
        document.pk is None or Document.objects.filter(pk=document.pk, status=Document.Status.DRAFT).exists()
    )
    document.full_clean()
    document.save()
    if was_draft and document.status != Document.Status.DRAFT:
        record_timeline(
            event="document.issued",
            kind="document",
            subject=document,
            company=document.company,
            contact=document.contact,
            actor=actor,
            title=document.title,
        )
    record_audit(event="document.saved", actor=actor, target=document, fields=sorted(changed_fields))
    return document
