"""Documents exchanged with clients: contracts, invoices, acts, reconciliation acts."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.core.public_ids import PublicModel
from kabinet.crm.models import Company, Contact, Order
from kabinet.files.models import ClientFile


class Document(PublicModel):
    class Kind(models.TextChoices):
        CONTRACT = "contract", _("contract")
        INVOICE = "invoice", _("invoice")
        ACT = "act", _("act")
        RECONCILIATION = "reconciliation", _("reconciliation act")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ISSUED = "issued", _("issued")
        AWAITING_SIGNATURE = "awaiting_signature", _("awaiting your signature")
        SIGNED = "signed", _("signed")
        ARCHIVED = "archived", _("archived")

    company = models.ForeignKey(
        Company,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("company"),
    )
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("contact"),
    )
    order = models.ForeignKey(
        Order,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
        verbose_name=_("order"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(_("title"), max_length=250)
    number = models.CharField(_("number"), max_length=50, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ISSUED, db_index=True
    )
    file = models.ForeignKey(
        ClientFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("file")
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "created_at", "id"], name="documents_company_recent"),
            models.Index(fields=["company", "contact", "created_at", "id"], name="documents_member_recent"),
            models.Index(fields=["contact", "created_at", "id"], name="documents_contact_recent"),
            # The kind and status filters of the document list (and the "awaiting signature" card), for the
            # largest scope; a member's or a private person's documents are few once scoped.
            models.Index(fields=["company", "kind", "created_at", "id"], name="documents_company_kind"),
            models.Index(fields=["company", "status", "created_at", "id"], name="documents_company_status"),
            models.Index(fields=["contact", "status", "created_at", "id"], name="documents_contact_status"),
        ]

    def __str__(self) -> str:
        return self.title
