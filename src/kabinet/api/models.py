"""API keys (staff-issued integrator keys and personal client tokens) and remembered idempotent answers."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.core.public_ids import PublicModel

# Resources a key may be granted, each with "read" or "write" (write implies read).
RESOURCES = ("clients", "orders", "invoices", "documents", "tickets", "messages", "timeline", "files")
READ = "read"
WRITE = "write"


def validate_scopes(value: object) -> None:
    if not isinstance(value, dict) or any(
        resource not in RESOURCES or level not in (READ, WRITE) for resource, level in value.items()
    ):
        raise ValidationError(
            _("Scopes map a resource (%(resources)s) to “read” or “write”."),
            params={"resources": ", ".join(RESOURCES)},
        )


def validate_networks(value: str) -> None:
    for line in value.split():
        try:
            ipaddress.ip_network(line, strict=False)
        except ValueError as error:
            raise ValidationError(
                _("“%(value)s” is not an IP address or network."), params={"value": line}
            ) from error


class ApiKey(PublicModel):
    """A secret for the API. Only its SHA-256 is stored; the key itself is shown once, when created.

    An *integrator* key (``user`` empty) is issued by staff and sees every client's data within its scopes.
    A *personal* token belongs to one user and acts exactly as that user signed in to the portal would.
    """

    name = models.CharField(_("name"), max_length=120)
    prefix = models.CharField(_("prefix"), max_length=16, editable=False, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("personal token of"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    scopes = models.JSONField(_("scopes"), default=dict, blank=True, validators=[validate_scopes])
    allowed_networks = models.TextField(
        _("allowed IP addresses"),
        blank=True,
        validators=[validate_networks],
        help_text=_("One address or network per line; empty allows every address."),
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_personal(self) -> bool:
        return self.user_id is not None

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def allows(self, resource: str, level: str = READ) -> bool:
        granted = (self.scopes or {}).get(resource)
        return granted == WRITE or (granted == READ and level == READ)

    def allows_address(self, address: str | None) -> bool:
        networks = self.allowed_networks.split()
        if not networks:
            return True
        if not address:
            return False
        ip = ipaddress.ip_address(address)
        return any(ip in ipaddress.ip_network(n, strict=False) for n in networks)


class IdempotentRequest(models.Model):
    """The first answer to a POST with an ``Idempotency-Key``, replayed for 24 hours to the same caller."""

    owner = models.CharField(max_length=64)  # "key:<id>" or "user:<id>": keys never collide across callers
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # method, path and body, hashed
    status = models.PositiveSmallIntegerField()
    body = models.BinaryField()
    content_type = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="api_idempotency_once")]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"
