"""Staff's choice of provider per kind, with each provider's settings encrypted at rest."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.core import crypto


class ProviderAccount(models.Model):
    """The settings of one provider of one kind; at most one row per kind is ``active``.

    ``credentials`` is a Fernet token of the settings' JSON (secrets and plain values alike), written and read
    only through :meth:`set_config` / :meth:`config`.
    """

    kind = models.CharField(_("kind"), max_length=40)
    provider = models.CharField(_("provider"), max_length=60)
    active = models.BooleanField(_("in use"), default=False)
    credentials = models.TextField(_("settings (encrypted)"), blank=True, editable=False)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("provider")
        verbose_name_plural = _("providers")
        ordering = ("kind", "provider")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "provider"], name="integrations_one_account_per_provider"
            ),
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(active=True), name="integrations_one_active_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.provider}"

    def config(self) -> dict[str, str]:
        return crypto.decrypt_json(self.credentials)

    def readable_config(self) -> dict[str, str]:
        """The settings, or nothing when no configured key opens them any more (staff then type them again)."""
        try:
            return self.config()
        except crypto.UnreadableSecret:
            return {}

    def set_config(self, config: dict[str, str]) -> None:
        self.credentials = crypto.encrypt_json(config) if config else ""
