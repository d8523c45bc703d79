"""Sending one delivery: sign, connect to the checked address, record the answer, plan the retry."""

from __future__ import annotations

import datetime
import http.client
import json
import socket
import ssl
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kabinet.core.audit import record_audit
from kabinet.webhooks.guard import RefusedAddress, Target, resolve
from kabinet.webhooks.models import Delivery
from kabinet.webhooks.signing import signature_header

# Standard Webhooks' schedule after the first attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h.
RETRY_DELAYS = (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)


def _post(target: Target, headers: dict[str, str], body: bytes, timeout: int) -> int:
    """POST to the checked address itself; TLS still verifies the certificate of the original host name."""
    sock = socket.create_connection((target.address, target.port), timeout=timeout)
    if target.scheme == "https":
        sock = ssl.create_default_context().wrap_socket(sock, server_hostname=target.host)
    connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)
    connection.sock = sock  # already connected to the address the guard checked: no second DNS lookup
    try:
        connection.request("POST", target.path, body=body, headers={**headers, "Host": target.host})
        response = connection.getresponse()
        response.read(64 * 1024)
        return response.status
    finally:
        connection.close()


def deliver(delivery_id: int) -> str:
    """One attempt of one delivery (the job calls it); returns the new status.

    The row is claimed first (its next try moved past the timeout, a lease) and committed, so no transaction
    stays open during the HTTP call and a second worker does not send the same attempt; a worker that dies
    leaves the row due again once the lease runs out, and the sweep sends it: at least once.
    """
    now = timezone.now()
    lease = now + datetime.timedelta(seconds=settings.KABINET_WEBHOOK_TIMEOUT + 60)
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("endpoint", "event")
            .filter(pk=delivery_id, status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED])
            .filter(next_attempt_at__lte=now)
            .first()
        )
        if delivery is None or not delivery.endpoint.is_active:
            return "skipped"
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=lease)
    endpoint, event = delivery.endpoint, delivery.event
    timestamp = int(time.time())
    body = json.dumps(
        {"type": event.type, "timestamp": event.created_at.isoformat(), "data": event.payload},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    headers = {
        "content-type": "application/json",
        "webhook-id": event.event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(endpoint.secrets, event.event_id, timestamp, body),
        "user-agent": "Kabinet-Webhooks/1",
    }
    code, error = None, ""
    try:
        target = resolve(endpoint.url, allow_private=endpoint.allow_private_network)
        code = _post(target, headers, body, settings.KABINET_WEBHOOK_TIMEOUT)
    except RefusedAddress as refused:
        error = str(refused)
    except (OSError, http.client.HTTPException) as failed:
        error = f"{type(failed).__name__}: {failed}"[:300]
    return _record(delivery, code, error)


@transaction.atomic
def _record(delivery: Delivery, code: int | None, error: str) -> str:
    endpoint = delivery.endpoint
    delivery.attempts += 1
    delivery.last_attempt_at = timezone.now()
    delivery.response_code = code
    delivery.last_error = error
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.next_attempt_at = Delivery.Status.SUCCEEDED, None
    elif code == 410:
        # The receiver says it is gone for good: stop sending anything to it.
        delivery.status, delivery.next_attempt_at = Delivery.Status.DEAD, None
        endpoint.is_active = False
        endpoint.disabled_reason = "410 Gone"
        endpoint.save(update_fields=["is_active", "disabled_reason", "updated_at"])
        record_audit(event="webhooks.endpoint_disabled", target=endpoint, reason="410 Gone")
    elif delivery.attempts > len(RETRY_DELAYS):
        delivery.status, delivery.next_attempt_at = Delivery.Status.DEAD, None
    else:
        delay = RETRY_DELAYS[delivery.attempts - 1]
        delivery.status = Delivery.Status.FAILED
        delivery.next_attempt_at = delivery.last_attempt_at + datetime.timedelta(seconds=delay)
    delivery.save()
    return delivery.status


def due_deliveries(now: datetime.datetime, limit: int = 100) -> list[int]:
    """Deliveries whose next try is due (the periodic sweep also picks up any a dead worker left behind)."""
    return list(
        Delivery.objects.filter(
            status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED], next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
