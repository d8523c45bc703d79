"""Writes on the file archive."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils.translation import gettext as _

from kabinet.core.audit import record_audit
from kabinet.crm.models import Company, Contact, Membership
from kabinet.crm.timeline import record_timeline
from kabinet.files.models import ClientFile
from kabinet.files.validation import inspect_upload

logger = logging.getLogger(__name__)


@transaction.atomic
def store_file(
    *,
    actor: Any,
    upload: UploadedFile,
    company: Company | None,
    contact: Contact | None,
    direction: str = ClientFile.Direction.TO_CLIENT,
    subject: models.Model | None = None,
    client_visible: bool = True,
    error_field: str = "attachments",
) -> ClientFile:
    """Check an upload by size and content, store it privately and record it in the client's history.

    The bytes are written before the row, so no row ever names a file that is not on disk. When the write
    fails (the disk is full, the folder is read-only) or the row cannot be saved, the partly written file is
    removed and the failure is a translated ``ValidationError`` on ``error_field`` (the form's file field),
    so the caller's transaction rolls back and the client reads why."""
    checked = inspect_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    stored = ClientFile(
        company=company,
        contact=contact,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
        direction=direction,
        original_name=checked.name,
        content_type=checked.content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
    )
    _set_subject(stored, subject)
    name = stored.file.field.generate_filename(stored, stored.public_id)
    try:
        stored.file.save(stored.public_id, upload, save=False)
        stored.save()
    except OSError as exc:
        _remove_partial(stored, name)
        logger.error("could not store an upload (%s): %s", name, exc)
        raise ValidationError(
            {
                error_field: _(
                    "The file could not be saved: the server's storage is full or unavailable. Please try again later."
                )
            },
            code="storage",
        ) from exc
    except BaseException:
        _remove_partial(stored, name)  # the row failed (database gone...): keep no file that nothing names
        raise
    record_timeline(
        event="file.added",
        kind="file",
        subject=stored,
        company=company,
        contact=contact,
        actor=actor,
        client_visible=client_visible,
        name=stored.original_name,
    )
    return stored


def _remove_partial(stored: ClientFile, name: str) -> None:
    storage = stored.file.storage
    try:
        if storage.exists(name):
            storage.delete(name)
    except OSError:
        logger.exception("could not remove the partly written file %s", name)


def _set_subject(stored: ClientFile, subject: models.Model | None) -> None:
    stored.subject_type = ContentType.objects.get_for_model(subject) if subject is not None else None
    stored.subject_id = subject.pk if subject is not None else None
    stored.subject_public_id = getattr(subject, "public_id", "") if subject is not None else ""
    stored.subject_label = str(subject)[:150] if subject is not None else ""


@transaction.atomic
def attach_file(*, actor: Any, file: ClientFile, subject: models.Model) -> ClientFile:
    """Say which object a stored file belongs to (the document or invoice it is the PDF of, an order...)."""
    if file.subject_type_id is not None and file.subject_id == subject.pk:
        return file
    _set_subject(file, subject)
    file.save(
        update_fields=["subject_type", "subject_id", "subject_public_id", "subject_label", "updated_at"]
    )
    record_audit(event="file.attached", actor=actor, target=file, subject=file.subject_public_id)
    return file


def store_bytes(*, actor: Any, name: str, data: bytes, **kwargs: Any) -> ClientFile:
    """``store_file`` for content produced by the system (demo PDFs, generated documents)."""
    upload = ContentFile(data, name=name)
    return store_file(actor=actor, upload=upload, **kwargs)


@transaction.atomic
def upload_client_file(
    *,
    actor: Any,
    upload: UploadedFile,
    company: Company | None,
    contact: Contact | None,
    direction: str = ClientFile.Direction.TO_CLIENT,
) -> ClientFile:
    """File a document for a client's archive from outside the portal (the integrator API).

    The file belongs to a company, a contact, or a contact within a company he is a member of; it is checked
    like every upload (size, content), and every error names the ``file`` field or the reference at fault.
    """
    if company is None and contact is None:
        raise ValidationError({"company": _("Name the company or the contact the file is for.")})
    if (
        company is not None
        and contact is not None
        and not Membership.objects.filter(company=company, contact=contact).exists()
    ):
        raise ValidationError({"contact": _("This contact is not a member of the chosen company.")})
    try:
        stored = store_file(
            actor=actor,
            upload=upload,
            company=company,
            contact=contact,
            direction=direction,
            error_field="file",
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise
        raise ValidationError({"file": error.messages}) from error  # size and content checks name no field
    record_audit(event="file.uploaded", actor=actor, target=stored, direction=direction)
    return stored
