"""Support tickets (first version: pipeline stage, priority, owner, conversation with internal notes)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.core.public_ids import PublicModel
from kabinet.crm.models import Company, Contact, Pipeline, Stage


class Ticket(PublicModel):
    class Priority(models.TextChoices):
        LOW = "low", _("low")
        NORMAL = "normal", _("normal")
        HIGH = "high", _("high")
        URGENT = "urgent", _("urgent")

    class Source(models.TextChoices):
        PORTAL = "portal", _("portal")
        EMAIL = "email", _("email")
        STAFF = "staff", _("staff")

    number = models.CharField(_("number"), max_length=32, unique=True)
    subject = models.CharField(_("subject"), max_length=250)
    company = models.ForeignKey(
        Company,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("company"),
    )
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("submitted by"),
    )
    pipeline = models.ForeignKey(
        Pipeline,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("pipeline"),
        limit_choices_to={"kind": Pipeline.Kind.TICKET},
    )
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("stage")
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    category = models.CharField(_("category"), max_length=100, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_tickets",
        verbose_name=_("owner"),
        limit_choices_to={"is_staff": True},
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.PORTAL)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "created_at", "id"], name="tickets_company_recent"),
            models.Index(fields=["company", "contact", "created_at", "id"], name="tickets_member_recent"),
            models.Index(fields=["contact", "created_at", "id"], name="tickets_contact_recent"),
            models.Index(fields=["stage"], name="tickets_stage"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"


class TicketMessage(PublicModel):
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages", verbose_name=_("ticket")
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    body = models.TextField(_("message"))
    is_internal = models.BooleanField(
        _("internal note"), default=False, help_text=_("Internal notes are never shown to the client.")
    )

    class Meta:
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")
        ordering = ["ticket", "created_at", "id"]

    def __str__(self) -> str:
        return self.body[:60]
