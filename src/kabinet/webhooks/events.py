"""Domain events into the outbox, in the transaction of the change.

Every action records its change in the client timeline (``record_timeline``) inside its own transaction; the
outbox row is written by the same ``post_save``, so it commits or rolls back with the change. No domain app
imports this one (the dependency points from webhooks to the domains).
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from kabinet.billing.models import Invoice
from kabinet.crm.models import Contact, TimelineEntry
from kabinet.webhooks.actions import emit

# Timeline event → webhook event type. Later domains add theirs with ``register``.
EVENTS: dict[str, str] = {
    "order.created": "order.created",
    "order.stage_changed": "order.stage_changed",
    "invoice.issued": "invoice.issued",
    "document.issued": "document.published",
    "document.awaiting_signature": "document.published",
    "document.signed": "document.signed",  # every signature (summary: signature_id, complete)
    "ticket.created": "ticket.created",
    "ticket.replied": "ticket.replied",
    "ticket.client_replied": "ticket.replied",
    "message.client_sent": "message.sent",
    "message.staff_sent": "message.sent",
    "contact.updated": "client.updated",
    "company.updated": "client.updated",
}
EVENT_TYPES = sorted({*EVENTS.values(), "invoice.paid", "client.created", "webhook.test"})


def register(timeline_event: str, webhook_event: str) -> None:
    EVENTS[timeline_event] = webhook_event
    if webhook_event not in EVENT_TYPES:
        EVENT_TYPES.append(webhook_event)


def _invoice_paid(instance: TimelineEntry) -> bool:
    # Entries carry the status code beside the people's label; one written before they did is read from the row.
    if "status_code" in instance.data:
        return instance.data["status_code"] == Invoice.Status.PAID
    return Invoice.objects.filter(pk=instance.subject_id, status=Invoice.Status.PAID).exists()


def _from_timeline(sender: Any, instance: TimelineEntry, created: bool, **kwargs: Any) -> None:
    if not created or kwargs.get("raw"):
        return
    event = EVENTS.get(instance.event)
    if instance.event == "invoice.status_changed" and _invoice_paid(instance):
        event = "invoice.paid"
    if event is None:
        return
    # Small payloads, ids and a summary: the receiver fetches the rest through the API.
    emit(
        type=event,
        data={
            "object": instance.kind,
            "id": instance.subject_public_id or None,
            "company": instance.company.public_id if instance.company_id else None,
            "contact": instance.contact.public_id if instance.contact_id else None,
            "summary": {k: v for k, v in instance.data.items() if isinstance(v, str | int | float)},
        },
    )


def _from_contact(sender: Any, instance: Contact, created: bool, **kwargs: Any) -> None:
    if created and not kwargs.get("raw"):
        emit(type="client.created", data={"object": "contact", "id": instance.public_id})


def connect() -> None:
    post_save.connect(_from_timeline, sender=TimelineEntry, dispatch_uid="webhooks-outbox-timeline")
    post_save.connect(_from_contact, sender=Contact, dispatch_uid="webhooks-outbox-contact")
