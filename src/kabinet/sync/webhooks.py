"""CRM events through the ``webhooks`` inbox: the request is stored raw by the inbox view, and this handler,
run by the inbox job, checks it with the vendor's rule and re-fetches each named deal (never trusting the
body's values)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from kabinet.core.providers.crm import CrmError
from kabinet.sync import bookings, engine, tickets
from kabinet.sync.models import Connection
from kabinet.webhooks.inbox import register_handler
from kabinet.webhooks.models import InboxEvent

PROVIDER = "crm"


def handle(event: InboxEvent) -> dict[str, Any]:
    connection = Connection.objects.filter(inbox_source_id=event.source_id).first()
    if connection is None or not connection.is_active:
        return {"ignored": "no active connection"}
    provider = engine.provider_for(connection)
    request = {
        "method": "POST",
        # The address the CRM was given (and signs, HubSpot): the portal's public one, not a proxy's.
        "url": settings.SITE_URL + reverse("webhooks:inbox", args=[event.source.path_secret]),
        "headers": dict(event.headers),
        "received_at": event.received_at,
    }
    body, content_type = bytes(event.body), event.headers.get("Content-Type", "")
    try:
        deal_ids = provider.webhook_deal_ids(body, content_type, **request)
        ticket_ids = (
            provider.webhook_ticket_ids(body, content_type, **request) if provider.supports_tickets else []
        )
        records = (
            provider.webhook_records(body, content_type, known_companies=bookings.branch_ids(connection))
            if provider.supports_bookings
            else []
        )
    except CrmError as error:
        return {"refused": error.message}  # a forged or foreign event: stored, answered, never acted on
    if records:  # each named record fetched again: a deleted one cancels its booking
        pulled = [bookings.pull_record(connection, b, r).pk for b, r in records[:50]]
        return {"records": [r for _b, r in records[:50]], "runs": pulled}
    runs = [engine.pull_deal(connection, deal_id, kind="webhook").pk for deal_id in deal_ids[:50]]
    runs += [tickets.pull_ticket(connection, ticket_id).pk for ticket_id in ticket_ids[:50]]
    result: dict[str, Any] = {"deals": deal_ids[:50], "runs": runs}
    if ticket_ids:
        result["tickets"] = ticket_ids[:50]
    return result


def register() -> None:
    register_handler(PROVIDER, handle)
