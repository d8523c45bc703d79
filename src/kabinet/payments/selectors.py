"""Viewer-scoped reads of payments: a payment is visible exactly when its invoice is."""

from __future__ import annotations

from django.db.models import QuerySet

from kabinet.core.viewer import Viewer, scope_to_viewer
from kabinet.payments.models import Payment


def payments_visible_to(viewer: Viewer) -> QuerySet[Payment]:
    """Payments of the invoices the viewer sees (the invoice's company and contact decide)."""
    return scope_to_viewer(
        Payment.objects.all(), viewer, company_field="invoice__company", contact_field="invoice__contact"
    )


def payment_for_viewer(viewer: Viewer, public_id: str) -> Payment:
    """One payment with its invoice, or ``Payment.DoesNotExist`` (unknown or foreign)."""
    return payments_visible_to(viewer).select_related("invoice").get(public_id=public_id)


def sandbox_payment_for_viewer(viewer: Viewer, provider_payment_id: str) -> Payment:
    """The payment behind the sandbox's local payment page, only for whoever may see its invoice."""
    return (
        payments_visible_to(viewer)
        .select_related("invoice")
        .get(provider="sandbox", provider_payment_id=provider_payment_id)
    )


def paid_payments_of(viewer: Viewer, invoice_id: int) -> QuerySet[Payment]:
    """The succeeded payments of one (visible) invoice, oldest first: when, how, how much, the receipt."""
    return (
        payments_visible_to(viewer)
        .filter(invoice_id=invoice_id, status=Payment.Status.SUCCEEDED)
        .order_by("paid_at", "id")
    )
