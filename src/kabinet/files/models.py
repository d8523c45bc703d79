"""The file archive: every file exchanged with a client, in both directions, stored outside public URLs."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.core.public_ids import PublicModel
from kabinet.crm.models import Company, Contact


def private_upload_path(instance: ClientFile, filename: str) -> str:
    # The stored name is the random public id: the client's file name never reaches the file system.
    return f"client-files/{instance.public_id[:2]}/{instance.public_id}"


class ClientFile(PublicModel):
    class Direction(models.TextChoices):
        FROM_CLIENT = "in", _("from the client")
        TO_CLIENT = "out", _("to the client")

    company = models.ForeignKey(
        Company,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="files",
        verbose_name=_("company"),
    )
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="files",
        verbose_name=_("contact"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    direction = models.CharField(
        _("direction"), max_length=3, choices=Direction.choices, default=Direction.TO_CLIENT
    )
    file = models.FileField(_("file"), upload_to=private_upload_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255, db_index=True)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size, bytes"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    # The object the file belongs to (an order, a ticket message, a document...), if any.
    subject_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject_id = models.BigIntegerField(null=True, blank=True)
    # Copied from the subject when the file is attached, so the archive links every file to its object in the
    # same query ("Order №00012", "Invoice №СЧ-00003") without reading each object's table.
    subject_public_id = models.CharField(max_length=22, blank=True, db_index=True)
    subject_label = models.CharField(_("belongs to"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("file")
        verbose_name_plural = _("files")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "created_at", "id"], name="files_company_recent"),
            models.Index(fields=["company", "contact", "created_at", "id"], name="files_member_recent"),
            models.Index(fields=["contact", "created_at", "id"], name="files_contact_recent"),
            models.Index(fields=["subject_type", "subject_id"], name="files_subject"),
            models.Index(fields=["company", "direction", "created_at", "id"], name="files_company_direction"),
        ]

    def __str__(self) -> str:
        return self.original_name
