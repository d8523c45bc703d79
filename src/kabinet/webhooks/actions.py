"""Writes of the webhooks app: endpoints (secrets encrypted at rest), the outbox, deliveries, the inbox."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from kabinet.core import crypto
from kabinet.core.audit import record_audit
from kabinet.webhooks.models import Delivery, InboxEvent, InboxSource, OutboxEvent, WebhookEndpoint
from kabinet.webhooks.signing import new_secret
from kabinet.webhooks.tasks import process_inbox_event, schedule_deliveries


def emit(*, type: str, data: dict[str, Any]) -> OutboxEvent:
    """Write one event to the outbox, with a delivery per endpoint that wants it, in the caller's
    transaction; the delivery job is scheduled only once that transaction commits."""
    event = OutboxEvent.objects.create(event_id=f"msg_{secrets.token_urlsafe(18)}", type=type, payload=data)
    endpoints = [e for e in WebhookEndpoint.objects.filter(is_active=True) if e.wants(type)]
    deliveries = Delivery.objects.bulk_create(
        Delivery(endpoint=endpoint, event=event, next_attempt_at=timezone.now()) for endpoint in endpoints
    )
    if deliveries:
        transaction.on_commit(lambda: schedule_deliveries([d.pk for d in deliveries]))
    return event


@transaction.atomic
def create_endpoint(
    *, actor: Any, name: str, url: str, events: list[str], allow_private_network: bool = False
) -> tuple[WebhookEndpoint, str]:
    """Register a receiver; returns it with its ``whsec_`` secret (shown once, stored encrypted)."""
    secret = new_secret()
    endpoint = WebhookEndpoint(
        name=name,
        url=url,
        events=events,
        secret_encrypted=crypto.encrypt_text(secret, crypto.WEBHOOK_SECRETS),
        allow_private_network=allow_private_network,
    )
    endpoint.full_clean()
    endpoint.save()
    record_audit(event="webhooks.endpoint_created", actor=actor, target=endpoint, url=url)
    return endpoint, secret


@transaction.atomic
def rotate_secret(*, actor: Any, endpoint: WebhookEndpoint) -> str:
    """A new secret; the old one keeps signing beside it until the next rotation."""
    secret = new_secret()
    endpoint.previous_secret_encrypted = endpoint.secret_encrypted
    endpoint.secret_encrypted = crypto.encrypt_text(secret, crypto.WEBHOOK_SECRETS)
    endpoint.save(update_fields=["secret_encrypted", "previous_secret_encrypted", "updated_at"])
    record_audit(event="webhooks.secret_rotated", actor=actor, target=endpoint)
    return secret


@transaction.atomic
def disable_endpoint(*, actor: Any, endpoint: WebhookEndpoint, reason: str) -> None:
    endpoint.is_active = False
    endpoint.disabled_reason = reason[:200]
    endpoint.save(update_fields=["is_active", "disabled_reason", "updated_at"])
    record_audit(event="webhooks.endpoint_disabled", actor=actor, target=endpoint, reason=reason)


@transaction.atomic
def replay_delivery(*, actor: Any, delivery: Delivery) -> Delivery:
    """Send one delivery again now (same ``webhook-id``: receivers that saw it already dedupe it)."""
    delivery.status = Delivery.Status.PENDING
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "next_attempt_at"])
    record_audit(event="webhooks.delivery_replayed", actor=actor, target=delivery.endpoint)
    transaction.on_commit(lambda: schedule_deliveries([delivery.pk]))
    return delivery


@transaction.atomic
def send_test_event(*, actor: Any, endpoint: WebhookEndpoint) -> Delivery:
    """A ``webhook.test`` event for this endpoint only."""
    event = OutboxEvent.objects.create(
        event_id=f"msg_{secrets.token_urlsafe(18)}",
        type="webhook.test",
        payload={"endpoint": endpoint.public_id},
    )
    delivery = Delivery.objects.create(endpoint=endpoint, event=event, next_attempt_at=timezone.now())
    record_audit(event="webhooks.test_sent", actor=actor, target=endpoint)
    transaction.on_commit(lambda: schedule_deliveries([delivery.pk]))
    return delivery


@transaction.atomic
def save_inbox_source(*, actor: Any, source: InboxSource, secret: str = "") -> InboxSource:
    """Create or change an incoming source; a new one gets its unguessable path, a given secret is encrypted."""
    if not source.path_secret:
        source.path_secret = secrets.token_urlsafe(32)
    if secret:
        source.secret_encrypted = crypto.encrypt_text(secret, crypto.WEBHOOK_SECRETS)
    source.full_clean(exclude=["path_secret"])
    source.save()
    record_audit(event="webhooks.inbox_source_saved", actor=actor, target=source, provider=source.provider)
    return source


@transaction.atomic
def retry_inbox_event(*, actor: Any, event: InboxEvent) -> None:
    """Process a failed or dead-letter event again, with a fresh count of attempts."""
    if event.status == InboxEvent.Status.PROCESSED:
        return
    InboxEvent.objects.filter(pk=event.pk).update(
        status=InboxEvent.Status.FAILED, attempts=0, next_attempt_at=timezone.now()
    )
    record_audit(event="webhooks.inbox_retried", actor=actor, target=event.source, inbox_event=event.pk)
    transaction.on_commit(lambda: process_inbox_event(event.pk))


@transaction.atomic
def rotate_stored_secrets(*, actor: Any = None) -> int:
    """Re-encrypt every endpoint's and incoming source's secret under the current secret key (after a key
    rotation, before the old key leaves the fallbacks); answers how many values were rewritten."""
    count = sum(
        crypto.rotate_column(queryset, field, crypto.WEBHOOK_SECRETS)
        for queryset, field in (
            (WebhookEndpoint.objects.all(), "secret_encrypted"),
            (WebhookEndpoint.objects.all(), "previous_secret_encrypted"),
            (InboxSource.objects.all(), "secret_encrypted"),
        )
    )
    record_audit(event="webhooks.secrets_rotated", actor=actor, count=count)
    return count
