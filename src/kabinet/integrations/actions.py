"""Writes of the integrations app: staff choose a provider per kind and store its settings encrypted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kabinet.core import crypto
from kabinet.core.audit import record_audit
from kabinet.core.providers import get_kind
from kabinet.integrations.models import ProviderAccount


def prepare_config(
    *, kind: str, provider_id: str, config: Mapping[str, str], stored: Mapping[str, str]
) -> dict[str, str]:
    """The settings to store: ``config`` over ``stored`` (a blank secret keeps its stored value), cleaned by
    the provider. Raises ``ValidationError`` keyed by setting name, or by ``provider`` for an unknown one."""
    try:
        provider = get_kind(kind).get(provider_id)
    except LookupError:
        raise ValidationError({"provider": _("Unknown provider.")}) from None
    wanted = {}
    for item in provider.config_schema:
        value = str(config.get(item.name) or "").strip()
        wanted[item.name] = value or (stored.get(item.name, "") if item.secret else "")
    return provider.clean_config(wanted)


@transaction.atomic
def configure_provider(
    *,
    actor: Any,
    kind: str,
    provider_id: str,
    config: Mapping[str, str],
    active: bool,
    request: HttpRequest | None = None,
) -> ProviderAccount:
    """Store one provider's settings (encrypted) and, with ``active``, make it the provider in use for ``kind``.

    A blank secret keeps the stored value, because the back office never shows a secret again. Settings the
    provider does not declare are dropped. Raises ``ValidationError`` keyed by setting name (or ``provider``).
    The audit entry names the settings that changed, never their values.
    """
    account = ProviderAccount.objects.select_for_update().filter(kind=kind, provider=provider_id).first()
    account = account or ProviderAccount(kind=kind, provider=provider_id)
    stored = account.readable_config()
    cleaned = prepare_config(kind=kind, provider_id=provider_id, config=config, stored=stored)
    changed = sorted(name for name, value in cleaned.items() if stored.get(name, "") != value)
    if active:  # first, so the "one active per kind" constraint holds at every statement
        ProviderAccount.objects.filter(kind=kind, active=True).exclude(pk=account.pk).update(active=False)
    account.active = active
    account.set_config(cleaned)
    account.save()
    record_audit(
        event="integrations.provider_configured",
        actor=actor,
        target=account,
        request=request,
        kind=kind,
        provider=provider_id,
        active=active,
        changed=changed,
    )
    return account


@transaction.atomic
def remove_provider(*, actor: Any, account: ProviderAccount, request: HttpRequest | None = None) -> None:
    """Forget a provider's settings; a removed active provider leaves the kind on its pin or offline default."""
    record_audit(
        event="integrations.provider_removed",
        actor=actor,
        target=account,
        request=request,
        kind=account.kind,
        provider=account.provider,
    )
    account.delete()


@transaction.atomic
def rotate_credentials(*, actor: Any = None) -> int:
    """Re-encrypt every stored setting under the current secret key (after a key rotation); answers the count."""
    count = crypto.rotate_column(ProviderAccount.objects.all(), "credentials")
    record_audit(event="integrations.credentials_rotated", actor=actor, count=count)
    return count
