"""The bank-transfer QR code of GOST R 56042-2014 ("ST00012|Name=…|PersonalAcc=…|…|Sum=<kopecks>").

``ST0001`` names the format and ``2`` the encoding (UTF-8). The mandatory block is Name, PersonalAcc,
BankName, BIC, CorrespAcc; the additional one here is PayeeINN, KPP, Purpose and Sum. The standard keeps the
whole string within 300 bytes: the purpose is shortened first, never the mandatory block.
"""

from __future__ import annotations

from decimal import Decimal

import segno

from kabinet.billing.models import Invoice
from kabinet.payments.models import PaymentSettings

HEADER = "ST00012"
MAX_BYTES = 300


def _clean(value: str) -> str:
    # "|" separates the fields and "=" names them: neither may appear inside a value.
    return " ".join(value.replace("|", " ").replace("=", " ").split())


def purpose_of(invoice: Invoice) -> str:
    """The payment purpose the bank reads (in Russian whatever the reader's language: it goes into the bank's
    payment order, and the statement import finds the invoice by its number in it)."""
    return _clean(f"Оплата по счёту №{invoice.number} от {invoice.issued_on:%d.%m.%Y}")


def gost_string(payee: PaymentSettings, invoice: Invoice, amount: Decimal) -> str | None:
    """The payment string for ``amount`` of ``invoice`` (``None`` when staff entered no bank details)."""
    if not payee.has_bank_details:
        return None
    kopecks = int((amount * 100).to_integral_value())
    fields = [
        ("Name", _clean(payee.payee_name)),
        ("PersonalAcc", payee.account),
        ("BankName", _clean(payee.bank_name)),
        ("BIC", payee.bic),
        ("CorrespAcc", payee.correspondent_account),
    ]
    if payee.payee_inn:
        fields.append(("PayeeINN", payee.payee_inn))
    if payee.payee_kpp:
        fields.append(("KPP", payee.payee_kpp))
    fields.append(("Sum", str(kopecks)))
    purpose = purpose_of(invoice)
    text = "|".join([HEADER, *(f"{k}={v}" for k, v in fields)])
    room = MAX_BYTES - len(text.encode()) - len("|Purpose=")
    if room > 0:
        clipped = purpose.encode()[:room].decode(errors="ignore").rstrip()
        if clipped:
            text += f"|Purpose={clipped}"
    return text


def qr_svg(text: str, *, title: str) -> str:
    """The QR code as inline SVG (error correction M, as bank apps read printed codes best)."""
    return segno.make(text, error="m", micro=False).svg_inline(scale=4, title=title, border=4, omitsize=True)
