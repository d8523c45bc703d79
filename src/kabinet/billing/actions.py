"""Writes on invoices."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.billing.models import Invoice
from kabinet.core.audit import record_audit
from kabinet.core.i18n import in_every_language
from kabinet.core.registry import object_url
from kabinet.core.sequences import next_number
from kabinet.crm.models import Company, Contact, Order
from kabinet.crm.notices import notify_owners
from kabinet.crm.timeline import record_timeline
from kabinet.files.actions import attach_file
from kabinet.files.models import ClientFile


def _issued(*, actor: Any, invoice: Invoice) -> None:
    """A new invoice reaches the client: his history, and a notice (an email) linking to the invoice."""
    record_timeline(
        event="invoice.issued",
        kind="invoice",
        subject=invoice,
        company=invoice.company,
        contact=invoice.contact,
        actor=actor,
        number=invoice.number,
        amount=str(invoice.amount),
        currency=invoice.currency,
    )
    notify_owners(
        actor=actor,
        event="invoice.issued",
        company_id=invoice.company_id,
        contact_id=invoice.contact_id,
        url=reverse("billing:invoice", args=[invoice.public_id]),
        subject_public_id=invoice.public_id,
        params={
            "number": invoice.number,
            "amount": str(invoice.amount),
            "currency": invoice.currency,
            "due_date": invoice.due_date.isoformat() if invoice.due_date else "",
            # The pay page where an app takes payments (the email's pay button); empty otherwise. A path: the
            # email makes it absolute when it is sent, like the notice's own link.
            "pay_url": object_url("billing.invoice.pay", invoice.public_id) or "",
        },
    )


@transaction.atomic
def issue_invoice(
    *,
    actor: Any,
    company: Company | None,
    contact: Contact | None,
    amount: Decimal,
    currency: str = "RUB",
    order: Order | None = None,
    due_date: datetime.date | None = None,
    issued_on: datetime.date | None = None,
    file: ClientFile | None = None,
    status: str = Invoice.Status.UNPAID,
    paid_amount: Decimal = Decimal("0"),
) -> Invoice:
    """Issue an invoice to the client, record it in his history and tell him."""
    invoice = Invoice(
        number=next_number("invoice", prefix="СЧ-", width=5),
        company=company,
        contact=contact,
        order=order,
        amount=amount,
        currency=currency,
        due_date=due_date,
        file=file,
        status=status,
        paid_amount=paid_amount,
        issued_on=issued_on or timezone.localdate(),
    )
    invoice.full_clean()
    invoice.save()
    if file is not None:
        attach_file(actor=actor, file=file, subject=invoice)
    _issued(actor=actor, invoice=invoice)
    record_audit(event="invoice.issued", actor=actor, target=invoice)
    return invoice


@transaction.atomic
def save_invoice(*, actor: Any, invoice: Invoice, changed_fields: list[str]) -> Invoice:
    """Save an invoice edited in the back office; new ones get a number, status changes reach the history."""
    is_new = invoice.pk is None
    old_status = None if is_new else Invoice.objects.values_list("status", flat=True).get(pk=invoice.pk)
    if is_new and not invoice.number:
        invoice.number = next_number("invoice", prefix="СЧ-", width=5)
    invoice.full_clean()
    invoice.save()
    if invoice.file is not None:
        attach_file(actor=actor, file=invoice.file, subject=invoice)
    if is_new:
        _issued(actor=actor, invoice=invoice)
    elif old_status != invoice.status:
        record_timeline(
            event="invoice.status_changed",
            kind="invoice",
            subject=invoice,
            company=invoice.company,
            contact=invoice.contact,
            actor=actor,
            number=invoice.number,
            status=in_every_language(invoice.get_status_display),
            status_code=invoice.status,  # what listeners read: the label above is for people
        )
    record_audit(event="invoice.saved", actor=actor, target=invoice, fields=sorted(changed_fields))
    return invoice


# What an integrator may change on an issued invoice; the number, the client and the order stay as issued.
UPDATABLE = (
    "amount",
    "paid_amount",
    "currency",
    "due_date",
    "issued_on",
    "status",
    "partial_payment",
    "partial_minimum",
)


@transaction.atomic
def update_invoice(*, actor: Any, invoice: Invoice, **changes: Any) -> Invoice:
    """Change an issued invoice (amounts, dates, a payment status); a voided one is final."""
    unknown = sorted(set(changes) - set(UPDATABLE))
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    if invoice.status == Invoice.Status.CANCELLED:
        raise ValidationError(_("A voided invoice cannot be changed."))
    if changes.get("status") == Invoice.Status.CANCELLED:
        raise ValidationError({"status": _("Void the invoice instead.")})
    for field, value in changes.items():
        setattr(invoice, field, value)
    return save_invoice(actor=actor, invoice=invoice, changed_fields=sorted(changes))


@transaction.atomic
def void_invoice(*, actor: Any, invoice: Invoice) -> Invoice:
    """Cancel an invoice nobody paid yet (the client's history says so); a paid one is refunded, not voided."""
    if invoice.status == Invoice.Status.CANCELLED:
        return invoice
    if invoice.paid_amount > 0:
        raise ValidationError(_("An invoice with payments cannot be voided."))
    invoice.status = Invoice.Status.CANCELLED
    return save_invoice(actor=actor, invoice=invoice, changed_fields=["status"])
