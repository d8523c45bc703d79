"""The incoming-webhook inbox: verify, store raw, dedupe, answer at once; process later in a job.

Each provider registers a handler with ``register_handler(provider, handler)``; the handler calls actions.
It runs in one transaction with the ``InboxEffect`` row, so a worker that dies before the commit leaves
nothing done (the event is retried) and one that dies after it leaves the effect recorded (it is not
repeated): exactly once in effect over at-least-once jobs.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import ipaddress
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from kabinet.webhooks.models import InboxEffect, InboxEvent, InboxSource
from kabinet.webhooks.signing import verify as verify_standard

Handler = Callable[[InboxEvent], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}
# A provider with a signature scheme of its own (Stripe's ``Stripe-Signature``): (source, headers, body) → ok.
Verifier = Callable[[InboxSource, Any, bytes], bool]
VERIFIERS: dict[str, Verifier] = {}
RETRY_SECONDS = (10, 60, 300, 1800, 7200, 21600, 43200, 86400)
TOLERANCE_SECONDS = 300


def register_handler(provider: str, handler: Handler) -> None:
    HANDLERS[provider] = handler


def register_verifier(provider: str, verifier: Verifier) -> None:
    """Check this provider's requests with ``verifier`` (on top of the source's IP ranges), whatever the
    source's ``verification`` says."""
    VERIFIERS[provider] = verifier


def verified(source: InboxSource, request: HttpRequest, body: bytes) -> bool:
    """The provider's rule: a Standard Webhooks signature, an HMAC of the body, a token, and/or IP ranges."""
    networks = source.allowed_networks.split()
    if networks:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", "0.0.0.0"))  # noqa: S104
        if not any(address in ipaddress.ip_network(n, strict=False) for n in networks):
            return False
    own = VERIFIERS.get(source.provider)
    if own is not None:
        return own(source, request.headers, body)
    kind = source.verification
    if kind == InboxSource.Verification.NONE:
        return True
    if kind == InboxSource.Verification.STANDARD:
        try:
            timestamp = int(request.headers.get("webhook-timestamp", ""))
        except ValueError:
            return False
        if abs(timezone.now().timestamp() - timestamp) > TOLERANCE_SECONDS:
            return False
        return verify_standard(
            source.secret,
            request.headers.get("webhook-id", ""),
            timestamp,
            body,
            request.headers.get("webhook-signature", ""),
        )
    given = request.headers.get(source.header, "")
    if kind == InboxSource.Verification.HMAC_SHA256:
        expected = hmac.new(source.secret.encode(), body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, given.removeprefix("sha256="))
    return hmac.compare_digest(source.secret.encode(), given.encode())


def dedupe_key(source: InboxSource, request: HttpRequest, body: bytes) -> str:
    """The provider's event id where it has one, else a hash of the body."""
    if source.verification == InboxSource.Verification.STANDARD and request.headers.get("webhook-id"):
        return request.headers["webhook-id"][:200]
    if source.event_id_field:
        try:
            value = json.loads(body).get(source.event_id_field)
        except (ValueError, AttributeError):
            value = None
        if value not in (None, ""):
            return f"id:{value}"[:200]
    return "sha256:" + hashlib.sha256(body).hexdigest()


def receive(source: InboxSource, request: HttpRequest, body: bytes) -> tuple[InboxEvent, bool]:
    """Store the raw request (once per dedupe key); ``True`` when it is new. One INSERT, nothing else."""
    headers = {k: v for k, v in request.headers.items() if k.lower() not in ("cookie", "authorization")}
    try:
        with transaction.atomic():
            event = InboxEvent.objects.create(
                source=source,
                dedupe_key=dedupe_key(source, request, body),
                headers=headers,
                body=body,
                next_attempt_at=timezone.now(),
            )
    except IntegrityError:
        return InboxEvent.objects.get(source=source, dedupe_key=dedupe_key(source, request, body)), False
    return event, True


def process(event_id: int) -> str:
    """Run the provider's handler once in effect; failures retry, then become a dead letter staff see."""
    event = InboxEvent.objects.select_related("source").filter(pk=event_id).first()
    if event is None or event.status in (InboxEvent.Status.PROCESSED, InboxEvent.Status.DEAD):
        return "skipped"
    handler = HANDLERS.get(event.source.provider)
    try:
        with transaction.atomic():
            locked = InboxEvent.objects.select_for_update().get(pk=event.pk)
            if InboxEffect.objects.filter(event=locked).exists():
                result = None  # done by an earlier run that died before marking it
            else:
                if handler is None:
                    raise LookupError(f"no handler for provider {event.source.provider!r}")
                result = handler(locked)
                InboxEffect.objects.create(event=locked, result=result or {})
            locked.status = InboxEvent.Status.PROCESSED
            locked.processed_at = timezone.now()
            locked.next_attempt_at = None
            locked.attempts += 1
            locked.save()
        return locked.status
    except Exception as error:  # noqa: BLE001 - any failure of a handler is a retry, never a lost event
        return _failed(event.pk, error)


@transaction.atomic
def _failed(event_id: int, error: Exception) -> str:
    event = InboxEvent.objects.select_for_update().get(pk=event_id)
    event.attempts += 1
    event.last_error = f"{type(error).__name__}: {error}"[:300]
    if event.attempts >= settings.KABINET_INBOX_MAX_ATTEMPTS:
        event.status, event.next_attempt_at = InboxEvent.Status.DEAD, None
    else:
        event.status = InboxEvent.Status.FAILED
        delay = RETRY_SECONDS[min(event.attempts, len(RETRY_SECONDS)) - 1]
        event.next_attempt_at = timezone.now() + datetime.timedelta(seconds=delay)
    event.save()
    return event.status


def due_events(now: datetime.datetime, limit: int = 100) -> list[int]:
    return list(
        InboxEvent.objects.filter(
            status__in=[InboxEvent.Status.RECEIVED, InboxEvent.Status.FAILED], next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
