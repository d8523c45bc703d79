"""Writes on the file archive."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from kabinet.crm.models import Company, Contact
from kabinet.crm.timeline import record_timeline, register_events
from kabinet.files.models import ClientFile
from kabinet.files.validation import check_upload

register_events({"file.added": _("File “%(name)s” was added")})


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
) -> ClientFile:
    """Check an upload by size and content, store it privately and record it in the client's history."""
    content_type = check_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    stored = ClientFile(
        company=company,
        contact=contact,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
        direction=direction,
        original_name=(upload.name or "file")[-255:],
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
        subject_id=subject.pk if subject is not None else None,
    )
    stored.file.save(stored.public_id, upload, save=False)
    stored.save()
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


def store_bytes(*, actor: Any, name: str, data: bytes, **kwargs: Any) -> ClientFile:
    """``store_file`` for content produced by the system (demo PDFs, generated documents)."""
    upload = ContentFile(data, name=name)
    return store_file(actor=actor, upload=upload, **kwargs)
