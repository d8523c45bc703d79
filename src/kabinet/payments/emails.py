"""The email to the client's manager when a payment arrives (staff are users, not contacts: no portal notice)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kabinet.core.branding import from_email, language_of
from kabinet.core.formats import format_money
from kabinet.payments.models import Payment


def manager_of(payment: Payment):
    """The order's manager, else the company's, else the contact's (``None`` when nobody is assigned)."""
    invoice = payment.invoice
    for owner in (invoice.order, invoice.company, invoice.contact):
        manager = getattr(owner, "manager", None) if owner is not None else None
        if manager is not None and manager.is_active and manager.email:
            return manager
    return None


def send_manager_paid_email(payment_id: int) -> int:
    """Tell the manager that an invoice of his client was paid; returns how many emails went out."""
    payment = (
        Payment.objects.select_related(
            "invoice__order__manager", "invoice__company__manager", "invoice__contact__manager"
        )
        .filter(pk=payment_id, status=Payment.Status.SUCCEEDED)
        .first()
    )
    manager = manager_of(payment) if payment is not None else None
    if manager is None:
        return 0
    invoice = payment.invoice
    with translation.override(language_of(manager)):
        client = str(invoice.company or invoice.contact or "")
        money = format_money(payment.amount, payment.currency)
        subject = _("Invoice №%(number)s: %(money)s received") % {"number": invoice.number, "money": money}
        body = "\n".join(
            [
                _("%(client)s paid %(money)s for invoice №%(number)s (%(method)s).")
                % {
                    "client": client,
                    "money": money,
                    "number": invoice.number,
                    "method": payment.get_method_display(),
                },
                _("Invoice status: %(status)s.") % {"status": invoice.get_status_display()},
                settings.SITE_URL + reverse("admin:billing_invoice_change", args=[invoice.pk]),
            ]
        )
    return EmailMessage(subject=subject, body=body, from_email=from_email(), to=[manager.email]).send()
