"""What payments contribute to the portal: the pay link other apps show beside an unpaid invoice (the dashboard
card, the invoice list, the invoice email), and the panel on the invoice page (pay, or when/how it was paid)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from kabinet.billing.models import OPEN_STATUSES, Invoice
from kabinet.core.registry import (
    DashboardCard,
    DetailPanel,
    PdfRendition,
    register_card,
    register_detail_panel,
    register_object_link,
    register_pdf_rendition,
)
from kabinet.payments import pdf
from kabinet.payments.models import PaymentSettings
from kabinet.payments.qr import gost_string, qr_svg
from kabinet.payments.selectors import account_totals, paid_payments_of

PAY_LINK = "billing.invoice.pay"  # billing asks ``object_url(PAY_LINK, public_id)`` without knowing this app


def invoice_panel(request: HttpRequest, invoice: Invoice) -> dict[str, Any] | None:
    """The pay button and the transfer QR code of an open invoice; the payments of a (partly) paid one.

    The settings come from the cache; the payments cost one query, and only where something was paid."""
    options = PaymentSettings.current()
    paid = invoice.paid_amount > 0 or invoice.status == Invoice.Status.PAID
    payments = list(paid_payments_of(request.viewer, invoice.pk)) if paid else []
    is_open = invoice.status in OPEN_STATUSES
    context: dict[str, Any] = {"invoice": invoice, "payments": payments, "is_open": is_open}
    if is_open:
        payload = gost_string(options, invoice, invoice.balance)
        context["qr"] = qr_svg(payload, title=f"QR {invoice.number}") if payload else ""
        context["payee"] = options
    return context


def account_card(request: HttpRequest) -> dict[str, Any] | None:
    """Balance and points on the dashboard (one query); hidden while the client has neither."""
    if not request.viewer.is_client:
        return None
    totals = account_totals(request.viewer, now=timezone.now())
    return totals if any(totals[k] for k in ("balance", "points", "pending")) else None


def register() -> None:
    register_card(
        DashboardCard(key="account", template="payments/cards/account.html", context=account_card, order=25)
    )
    register_object_link(PAY_LINK, "payments:pay")
    register_detail_panel(
        DetailPanel(key="payments", subject="invoice", template="payments/panel.html", context=invoice_panel)
    )
    register_pdf_rendition(
        PdfRendition(key="payment-slip", subject="invoice", render=pdf.invoice_pdf, available=pdf.available)
    )
