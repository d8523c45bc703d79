"""The 54-FZ receipt lines of a payment, built from the invoice's order items."""

from __future__ import annotations

from decimal import Decimal

from kabinet.billing.models import Invoice
from kabinet.core.providers.payments import ReceiptLine
from kabinet.crm.models import OrderItem

# YooKassa's vat_code 1 is "without VAT"; the items carry no VAT rate of their own yet, so every line says so.
# A portal whose business charges VAT sets ``KABINET_PAYMENTS_VAT_CODE`` (see docs/payments.md).
DEFAULT_VAT_CODE = 1


def receipt_lines(
    invoice: Invoice, amount: Decimal, *, vat_code: int | None = None
) -> tuple[ReceiptLine, ...]:
    """One line per order item when the whole invoice is paid and the items add up to it; otherwise one line
    for the amount (a partial payment, or an invoice without items). The lines always add up to ``amount``."""
    from django.conf import settings

    vat = (
        vat_code
        if vat_code is not None
        else int(getattr(settings, "KABINET_PAYMENTS_VAT_CODE", DEFAULT_VAT_CODE))
    )
    if invoice.order_id and amount == invoice.amount:
        items = list(OrderItem.objects.filter(order_id=invoice.order_id).order_by("position", "id")[:100])
        if items and sum((item.total for item in items), Decimal("0")) == amount:
            return tuple(
                ReceiptLine(
                    description=item.name[:128], quantity=item.quantity, unit_price=item.price, vat_code=vat
                )
                for item in items
            )
    return (
        ReceiptLine(
            description=f"Оплата по счёту №{invoice.number}"[:128],
            quantity=Decimal("1"),
            unit_price=amount,
            vat_code=vat,
            payment_mode="full_payment" if amount == invoice.amount else "partial_payment",
        ),
    )
