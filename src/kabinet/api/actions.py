"""Writes on API keys: issuing (the key is returned once), revoking, and remembering use."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from kabinet.api.keys import new_key
from kabinet.api.models import ApiKey
from kabinet.core.audit import record_audit


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    key: str  # the secret itself: show it once, it cannot be read back


@transaction.atomic
def issue_api_key(
    *,
    actor: Any,
    name: str,
    scopes: dict[str, str],
    user: Any = None,
    expires_at: datetime.datetime | None = None,
    allowed_networks: str = "",
) -> IssuedKey:
    """Create a key (an integrator key, or a personal token when ``user`` is given) and audit it."""
    key, prefix, digest = new_key()
    api_key = ApiKey(
        name=name,
        prefix=prefix,
        key_hash=digest,
        user=user,
        created_by=actor if getattr(actor, "pk", None) else None,
        scopes=scopes,
        expires_at=expires_at,
        allowed_networks=allowed_networks,
    )
    api_key.full_clean()
    api_key.save()
    record_audit(event="api.key_issued", actor=actor, target=api_key, name=name, scopes=scopes)
    return IssuedKey(api_key=api_key, key=key)


@transaction.atomic
def revoke_api_key(*, actor: Any, api_key: ApiKey) -> ApiKey:
    """Revoke a key at once; requests with it answer 401 from now on."""
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at", "updated_at"])
        record_audit(event="api.key_revoked", actor=actor, target=api_key)
    return api_key


def record_key_use(*, api_key: ApiKey, request: HttpRequest) -> None:
    """Remember when and from where the key was last used (one UPDATE, no read).

    Every write made with a key is audited by the action it calls; a refused key (revoked, expired, wrong
    address) is audited by ``record_key_refusal``. Reads are not audited one by one: the last use is enough
    to tell a forgotten key, and an audit row per GET would outgrow the data it protects.
    """
    address = request.META.get("REMOTE_ADDR") or None
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now(), last_used_ip=address)


def record_key_refusal(*, api_key: ApiKey, request: HttpRequest, reason: str) -> None:
    """Audit a request whose key exists but may not be used (revoked, expired, outside its networks)."""
    record_audit(event="api.key_refused", actor=None, target=api_key, request=request, reason=reason)
