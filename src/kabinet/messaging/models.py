"""Chat between a client and the company's team: one conversation per contact and company context."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kabinet.core.public_ids import PublicModel
from kabinet.crm.models import Company, Contact
from kabinet.files.models import ClientFile


class Conversation(PublicModel):
    """A client's line to the team. Personal: only the contact himself reads it in the portal (a company
    admin does not read his colleagues' chats); on the staff side everyone with chat access does.

    Read marks are two pointers (the last message each side read) and two unread counters kept by the
    actions, so badges and the inbox cost one query each.
    """

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="conversations", verbose_name=_("client")
    )
    company = models.ForeignKey(
        Company,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="conversations",
        verbose_name=_("company"),
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_conversations",
        verbose_name=_("assigned to"),
        limit_choices_to={"is_staff": True},
    )
    last_message_id = models.BigIntegerField(default=0, editable=False)
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True)
    last_message_preview = models.CharField(_("last message text"), max_length=200, blank=True)
    last_message_from_staff = models.BooleanField(default=False)
    client_unread = models.PositiveIntegerField(_("unread by the client"), default=0)
    staff_unread = models.PositiveIntegerField(_("unread by the team"), default=0)
    client_read_upto = models.BigIntegerField(default=0, editable=False)
    staff_read_upto = models.BigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "company"],
                condition=Q(company__isnull=False),
                name="msg_conv_one_per_company",
            ),
            models.UniqueConstraint(
                fields=["contact"], condition=Q(company__isnull=True), name="msg_conv_one_private"
            ),
        ]
        indexes = [
            models.Index(fields=["company", "contact"], name="msg_conv_scope"),
            models.Index(fields=["last_message_at", "id"], name="msg_conv_recent"),
            models.Index(fields=["assigned_to", "last_message_at"], name="msg_conv_assigned"),
            models.Index(fields=["staff_unread", "last_message_at"], name="msg_conv_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} — {self.company}" if self.company_id else str(self.contact)


class Message(PublicModel):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", verbose_name=_("conversation")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    from_staff = models.BooleanField(_("from the team"), default=False)
    body = models.TextField(_("message"), blank=True)
    attachments = models.ManyToManyField(
        ClientFile, blank=True, related_name="chat_messages", verbose_name=_("attachments")
    )

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["conversation", "id"], name="msg_message_conv")]

    def __str__(self) -> str:
        return self.body[:60]

    @property
    def files(self) -> list[ClientFile]:
        """Attachments in the order they were sent (uses the prefetched rows)."""
        return sorted(self.attachments.all(), key=lambda stored: stored.pk)

    @property
    def author_name(self) -> str:
        if self.author is None:
            return ""
        return self.author.full_name or self.author.email


class QuickReply(models.Model):
    """A prepared answer staff insert with one click ({name} becomes the client's first name)."""

    title = models.CharField(_("title"), max_length=80)
    body = models.TextField(_("text"))
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("quick reply")
        verbose_name_plural = _("quick replies")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title
