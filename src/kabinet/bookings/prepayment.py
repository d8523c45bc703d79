"""A held booking learns that its prepayment arrived.

The payments app settles an invoice and records ``invoice.status_changed`` in the client's timeline, inside the
payment's transaction; this listener sees that entry (``post_save``, like the webhooks outbox does) and confirms
the booking the invoice holds. Bookings never import the payments app or a provider: the invoice is billing's.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from kabinet.billing.models import Invoice
from kabinet.crm.models import TimelineEntry


def _from_timeline(sender: Any, instance: TimelineEntry, created: bool, **kwargs: Any) -> None:
    if not created or kwargs.get("raw") or instance.event != "invoice.status_changed":
        return
    if instance.data.get("status_code", Invoice.Status.PAID) != Invoice.Status.PAID:
        return  # voided, reopened, part-paid: no query for them
    invoice = Invoice.objects.filter(pk=instance.subject_id, status=Invoice.Status.PAID).first()
    if invoice is None:
        return
    from kabinet.bookings.actions import confirm_paid_booking

    confirm_paid_booking(actor=instance.actor, invoice=invoice)


def connect() -> None:
    post_save.connect(_from_timeline, sender=TimelineEntry, dispatch_uid="bookings-prepayment")
