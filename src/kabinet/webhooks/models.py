"""Outgoing webhooks (endpoints, the outbox, deliveries) and the incoming-webhook inbox."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.core import crypto
from kabinet.core.public_ids import PublicModel


class WebhookEndpoint(PublicModel):
    """A receiver an integrator registered: where to send which events, signed with which secret."""

    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list, blank=True, help_text=_("Empty sends every event."))
    secret_encrypted = models.TextField(editable=False)
    # During a rotation the previous secret keeps signing too, so receivers can switch without a gap.
    previous_secret_encrypted = models.TextField(blank=True, editable=False)
    allow_private_network = models.BooleanField(
        _("allow private addresses"),
        default=False,
        help_text=_("Deliver to loopback and private networks too (only for receivers inside your network)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.CharField(_("disabled because"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def secrets(self) -> list[str]:
        """The current secret first, then the previous one while a rotation lasts."""
        found = [crypto.decrypt_text(self.secret_encrypted, crypto.WEBHOOK_SECRETS)]
        if self.previous_secret_encrypted:
            found.append(crypto.decrypt_text(self.previous_secret_encrypted, crypto.WEBHOOK_SECRETS))
        return found

    def wants(self, event: str) -> bool:
        return not self.events or event in self.events


class OutboxEvent(models.Model):
    """One domain event, written in the transaction of the change that caused it."""

    event_id = models.CharField(max_length=40, unique=True)  # "msg_…", the ``webhook-id`` receivers dedupe by
    type = models.CharField(_("event"), max_length=60, db_index=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    dispatched = models.BooleanField(default=False, db_index=True)

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class Delivery(models.Model):
    """One event for one endpoint: attempts, the last answer, and when the next try is due."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SUCCEEDED = "succeeded", _("delivered")
        FAILED = "failed", _("failed, will retry")
        DEAD = "dead", _("gave up")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    response_code = models.PositiveSmallIntegerField(_("answer code"), null=True, blank=True)
    last_error = models.CharField(_("error"), max_length=300, blank=True)
    last_attempt_at = models.DateTimeField(_("last try"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next try"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "event"], name="webhooks_delivery_once")]

    def __str__(self) -> str:
        return f"{self.event.type} → {self.endpoint}"


class InboxSource(PublicModel):
    """One provider account that sends Kabinet webhooks: its route, and how its requests are verified."""

    class Verification(models.TextChoices):
        STANDARD = "standard", _("Standard Webhooks signature")
        HMAC_SHA256 = "hmac_sha256", _("HMAC-SHA256 of the body (hex) in a header")
        TOKEN = "token", _("a shared token in a header")
        NONE = "none", _("the secret path only")

    provider = models.CharField(_("provider"), max_length=40)
    account = models.CharField(_("account"), max_length=120, blank=True)
    path_secret = models.CharField(max_length=43, unique=True, editable=False)
    verification = models.CharField(
        _("verification"), max_length=12, choices=Verification.choices, default=Verification.STANDARD
    )
    header = models.CharField(
        _("header"), max_length=80, blank=True, help_text=_("For HMAC and token checks.")
    )
    secret_encrypted = models.TextField(blank=True, editable=False)
    allowed_networks = models.TextField(_("allowed IP addresses"), blank=True)
    event_id_field = models.CharField(
        _("event id field"), max_length=80, blank=True, help_text=_("JSON key of the provider's event id.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("incoming webhook source")
        verbose_name_plural = _("incoming webhook sources")
        ordering = ["provider", "account", "id"]

    def __str__(self) -> str:
        return f"{self.provider} {self.account}".strip()

    @property
    def secret(self) -> str:
        return (
            crypto.decrypt_text(self.secret_encrypted, crypto.WEBHOOK_SECRETS)
            if self.secret_encrypted
            else ""
        )


class InboxEvent(models.Model):
    """A verified incoming request, stored raw before anything else happens to it."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("received")
        PROCESSED = "processed", _("processed")
        FAILED = "failed", _("failed, will retry")
        DEAD = "dead", _("dead letter")

    source = models.ForeignKey(InboxSource, on_delete=models.CASCADE, related_name="events")
    dedupe_key = models.CharField(max_length=200)
    headers = models.JSONField(default=dict)
    body = models.BinaryField()
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("error"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next try"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("incoming webhook")
        verbose_name_plural = _("incoming webhooks")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["source", "dedupe_key"], name="webhooks_inbox_once")]

    def __str__(self) -> str:
        return f"{self.source} {self.dedupe_key}"


class InboxEffect(models.Model):
    """What a processed inbox event did, written in the same transaction as the effect itself.

    A worker killed after the effect committed finds this row and does not repeat the effect: processing is
    exactly once in effect even though the job runs at least once.
    """

    event = models.OneToOneField(InboxEvent, on_delete=models.CASCADE, related_name="effect")
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"effect of {self.event_id}"
