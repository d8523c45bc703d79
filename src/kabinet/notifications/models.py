"""The notification centre: what happened to a client, his channel preferences, browser push subscriptions,
and the log of deliveries through outside channels (visible to staff in the back office)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.core.public_ids import PublicModel
from kabinet.crm.models import Company, Contact


class Notification(PublicModel):
    """One entry of a client's notification centre.

    Grouped kinds (chat messages) keep one unread row per subject: a new message bumps ``count`` and
    ``last_at`` instead of adding a row, so ten messages make one line and, later, one email.
    """

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="+", verbose_name=_("recipient")
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("company")
    )
    event = models.CharField(_("event"), max_length=60)
    params = models.JSONField(_("details"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    subject_public_id = models.CharField(_("subject"), max_length=22, blank=True)
    count = models.PositiveIntegerField(_("events"), default=1)
    last_at = models.DateTimeField(_("last event"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # Shown in an open, visible tab of the client: a grouped notice seen there needs no email.
    seen_at = models.DateTimeField(_("seen in the portal"), null=True, blank=True)
    channels_done = models.JSONField(_("channels delivered by the domain"), default=list, blank=True)
    # Outside delivery: due time of the pending batch, and how many events the last batch covered.
    outside_due_at = models.DateTimeField(_("outside delivery due"), null=True, blank=True)
    outside_batch = models.PositiveIntegerField(_("events delivered outside"), default=0)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-last_at", "-id"]
        indexes = [
            models.Index(fields=["company", "contact", "last_at", "id"], name="notif_member_recent"),
            models.Index(fields=["contact", "last_at", "id"], name="notif_contact_recent"),
            models.Index(fields=["company", "contact", "read_at"], name="notif_member_unread"),
            models.Index(fields=["contact", "event", "subject_public_id"], name="notif_subject"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    @property
    def text(self) -> str:
        from kabinet.notifications.events import notice_text

        return notice_text(self.event, self.params, self.count)

    @property
    def new_since_outside(self) -> int:
        return max(self.count - self.outside_batch, 0)


class Preference(models.Model):
    """A client's explicit choice for one event kind on one outside channel (defaults live in code)."""

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="+", verbose_name=_("contact")
    )
    event = models.CharField(_("event"), max_length=60)
    channel = models.CharField(_("channel"), max_length=20)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["contact", "event", "channel"], name="notif_pref_unique")
        ]

    def __str__(self) -> str:
        return f"{self.event} / {self.channel}: {self.enabled}"


class PushSubscription(models.Model):
    """A browser that opted into web push (the PushSubscription the browser gave us)."""

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="+", verbose_name=_("contact")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("account")
    )
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_success_at = models.DateTimeField(_("last delivered"), null=True, blank=True)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0)

    class Meta:
        verbose_name = _("browser push subscription")
        verbose_name_plural = _("browser push subscriptions")

    def __str__(self) -> str:
        return self.user_agent or self.endpoint[:60]


class Delivery(models.Model):
    """One batch of a notification through one outside channel: the outbox row, written when the batch is
    claimed, and the record of its attempts."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("skipped")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("notification")
    )
    channel = models.CharField(_("channel"), max_length=20)
    batch = models.PositiveIntegerField(_("events covered"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # Set while a worker sends: past it, the worker is taken for dead and another job may send again.
    lease_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    provider_ref = models.CharField(_("provider reference"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel", "batch"], name="notif_delivery_unique")
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="notif_delivery_status")]

    def __str__(self) -> str:
        return f"{self.channel}: {self.get_status_display()}"
