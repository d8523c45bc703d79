"""Writing the security audit log."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from kabinet.core.models import AuditEntry


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record_audit(
    *,
    event: str,
    actor: Any = None,
    target: models.Model | None = None,
    request: HttpRequest | None = None,
    **data: Any,
) -> AuditEntry:
    """Append one audit entry. ``actor`` is a user (or None for the system / an anonymous visitor)."""
    return AuditEntry.objects.create(
        event=event,
        actor=actor if getattr(actor, "pk", None) else None,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(getattr(target, "public_id", None) or getattr(target, "pk", "") or ""),
        ip_address=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:300] if request else ""),
        data=data,
    )
