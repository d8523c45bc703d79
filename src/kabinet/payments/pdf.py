"""The payment slip in the invoice PDF: the payee's bank details, the purpose, what is left to pay and the
GOST R 56042-2014 QR code, on a page of its own.

- An invoice with a stored PDF is served as that PDF plus the slip page, added as an incremental update
  (pyHanko's ``IncrementalPdfFileWriter``): the stored file is never changed, and its bytes are the first
  bytes of what is served.
- An invoice without one gets a one-page PDF made here: the invoice (number, dates, amounts) and the same slip.
- The slip is added only while the invoice can be paid by transfer (open, something left to pay, staff
  entered the bank details); otherwise the stored file is served as it is (billing decides, through
  ``core.registry.PdfRendition``). A stored PDF pyHanko cannot extend (encrypted, broken) is served as it is.

The text is set in DejaVu Sans, embedded as a subset (``signing/typeface.py``): Cyrillic and Polish appear as
written, in the reader's language. The QR code is a 1-bit image XObject, one pixel per module (error
correction M, a quiet zone of 4 modules), scaled on the page: a bank's app reads it from print or screen, and
a test can take it out of the PDF and decode it. What is served is cached for an hour, keyed by everything it
shows, so a second download costs no PDF work.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable
from decimal import Decimal

import segno
from django.core.cache import cache
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import BasePdfFileWriter, PageObject, PdfFileWriter

from kabinet.billing.models import OPEN_STATUSES, Invoice
from kabinet.core.formats import format_money
from kabinet.payments.models import PaymentSettings
from kabinet.payments.qr import gost_string, purpose_of
from kabinet.signing.typeface import PageFont

logger = logging.getLogger(__name__)

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
MARGIN = 50
QR_SIZE = 170  # points: about 6 cm, a module well above the 0.25 mm banks' apps need
QR_BORDER = 4  # modules of quiet zone
CACHE_SECONDS = 3600
CACHE_LIMIT = 2 * 1024 * 1024  # bigger PDFs are made again on each download rather than kept in Redis

Line = tuple[str, int, bool]  # text, size, bold


def slip_payload(invoice: Invoice) -> tuple[PaymentSettings, Decimal, str] | None:
    """(the payee, what is left, the GOST string) while the invoice can be paid by transfer, else None.
    No query: the settings are cached and the invoice is loaded."""
    if invoice.status not in OPEN_STATUSES:
        return None
    left = max(invoice.amount - invoice.paid_amount, Decimal("0"))
    if not left:
        return None
    options = PaymentSettings.current()
    payload = gost_string(options, invoice, left)
    return (options, left, payload) if payload else None


def available(invoice: Invoice) -> bool:
    return slip_payload(invoice) is not None


def _slip_lines(invoice: Invoice, payee: PaymentSettings, left: Decimal) -> list[Line]:
    money = format_money(left, invoice.currency)
    rows = [
        (_("Payment slip for invoice №%(number)s") % {"number": invoice.number}, 14, True),
        ("", 6, False),
        (f"{_('Payee')}: {payee.payee_name}", 10, False),
    ]
    if payee.payee_inn:
        rows.append((f"{_('INN')}: {payee.payee_inn}", 10, False))
    if payee.payee_kpp:
        rows.append((f"{_('KPP')}: {payee.payee_kpp}", 10, False))
    rows += [
        (f"{_('Settlement account')}: {payee.account}", 10, False),
        (f"{_('Bank')}: {payee.bank_name}", 10, False),
        (f"{_('BIK')}: {payee.bic}", 10, False),
        (f"{_('Correspondent account')}: {payee.correspondent_account}", 10, False),
        (f"{_('Payment purpose')}: {purpose_of(invoice)}", 10, False),
        (f"{_('Amount')}: {money}", 12, True),
    ]
    if invoice.due_date:
        rows.append((f"{_('Pay by')}: {date_format(invoice.due_date, 'DATE_FORMAT')}", 10, False))
    rows += [
        ("", 6, False),
        (
            _("Scan it in your bank's app: the payee, the amount and the purpose are filled in for you."),
            9,
            False,
        ),
    ]
    return rows


def _invoice_lines(invoice: Invoice) -> list[Line]:
    """The head of the invoice PDF Kabinet makes when staff attached none."""
    rows: list[Line] = [
        (_("Invoice №%(number)s") % {"number": invoice.number}, 16, True),
        ("", 6, False),
        (f"{_('Issued')}: {date_format(invoice.issued_on, 'DATE_FORMAT')}", 10, False),
        (f"{_('Amount')}: {format_money(invoice.amount, invoice.currency)}", 10, False),
    ]
    if invoice.paid_amount:
        rows.append((f"{_('Paid')}: {format_money(invoice.paid_amount, invoice.currency)}", 10, False))
    rows.append(("", 18, False))
    return rows


def _wrap(text: str, width: float, font: PageFont, size: int) -> list[str]:
    lines, line = [], ""
    for word in text.split(" "):
        candidate = f"{line} {word}".strip()
        if line and font.width(candidate, size) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    lines.append(line)
    return lines


def qr_image(payload: str) -> tuple[bytes, int]:
    """The QR code of ``payload`` as 1-bit DeviceGray rows (0 = dark) with its quiet zone, and its side in
    pixels (one pixel per module)."""
    matrix = segno.make(payload, error="m", micro=False).matrix
    side = len(matrix) + 2 * QR_BORDER
    rows = bytearray()
    row_bytes = (side + 7) // 8
    for y in range(side):
        row = bytearray(b"\xff" * row_bytes)
        if QR_BORDER <= y < side - QR_BORDER:
            for x, dark in enumerate(matrix[y - QR_BORDER]):
                if dark:
                    bit = x + QR_BORDER
                    row[bit // 8] &= ~(0x80 >> (bit % 8)) & 0xFF
        rows += row
    return bytes(rows), side


def _page(writer: BasePdfFileWriter, lines: list[Line], payload: str) -> PageObject:
    """A page of ``lines`` from the top, the QR code top right beside the slip's text."""
    font = PageFont()
    data, side = qr_image(payload)
    image = generic.StreamObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/XObject"),
            generic.NameObject("/Subtype"): generic.NameObject("/Image"),
            generic.NameObject("/Width"): generic.NumberObject(side),
            generic.NameObject("/Height"): generic.NumberObject(side),
            generic.NameObject("/ColorSpace"): generic.NameObject("/DeviceGray"),
            generic.NameObject("/BitsPerComponent"): generic.NumberObject(1),
            generic.NameObject("/Interpolate"): generic.BooleanObject(False),
        },
        stream_data=data,
    )
    image.compress()
    ops = []
    y = PAGE_HEIGHT - 60
    qr_left = PAGE_WIDTH - MARGIN - QR_SIZE
    qr_top = None
    for text, size, bold in lines:
        if qr_top is None and size == 14:  # the slip's heading: the code goes beside the details below it
            qr_top = y - size - 10
        beside = qr_top is not None and y > qr_top - QR_SIZE - 10
        width = (qr_left - 15 if beside else PAGE_WIDTH - MARGIN) - MARGIN
        for part in _wrap(text, width, font, size) if text else [""]:
            if part:
                shown = f"BT /F1 {size} Tf {MARGIN} {y} Td {font.show(part)} Tj ET"
                ops.append(f"q 2 Tr 0.35 w {shown} Q" if bold else shown)
            y -= size + 4
    top = qr_top if qr_top is not None else PAGE_HEIGHT - 60
    ops.append(f"q {QR_SIZE} 0 0 {QR_SIZE} {qr_left} {top - QR_SIZE} cm /Qr Do Q")
    stream = generic.StreamObject(stream_data="\n".join(ops).encode("ascii"))
    stream.compress()
    resources = generic.DictionaryObject(
        {
            generic.NameObject("/Font"): generic.DictionaryObject(
                {generic.NameObject("/F1"): font.embed(writer)}
            ),
            generic.NameObject("/XObject"): generic.DictionaryObject(
                {generic.NameObject("/Qr"): writer.add_object(image)}
            ),
        }
    )
    return PageObject(
        contents=writer.add_object(stream), media_box=(0, 0, PAGE_WIDTH, PAGE_HEIGHT), resources=resources
    )


def with_slip(original: bytes | None, lines: list[Line], payload: str) -> bytes | None:
    """``original`` plus the slip page (None when pyHanko cannot extend it), or a new PDF of one page."""
    out = io.BytesIO()
    if original is None:
        writer = PdfFileWriter()
        writer.insert_page(_page(writer, lines, payload))
        writer.write(out)
        return out.getvalue()
    try:
        incremental = IncrementalPdfFileWriter(io.BytesIO(original), strict=False)
        if incremental.security_handler is not None:
            return None  # an encrypted upload: served as it is
        incremental.insert_page(_page(incremental, lines, payload))
        incremental.write(out)
    except Exception:  # noqa: BLE001 — pyHanko raises many kinds of errors on a malformed upload
        logger.warning("payments: could not add the payment slip to an invoice PDF", exc_info=True)
        return None
    return out.getvalue()


def invoice_pdf(invoice: Invoice, original: Callable[[], bytes | None]) -> bytes | None:
    """The invoice PDF to serve while it can be paid by transfer (``core.registry.PdfRendition``), else None."""
    found = slip_payload(invoice)
    if found is None:
        return None
    payee, left, payload = found
    lines = _slip_lines(invoice, payee, left)
    if invoice.file_id is None:
        lines = _invoice_lines(invoice) + lines
    file = invoice.file if invoice.file_id is not None else None
    digest = hashlib.sha256(
        repr((lines, payload, file and (file.pk, file.size, str(file.file)))).encode()
    ).hexdigest()
    key = f"payments:invoice-pdf:{invoice.pk}:{digest}"
    data = cache.get(key)
    if data is not None:
        return data
    source = original() if file is not None else None
    if file is not None and source is None:
        return None  # the stored bytes are gone: billing answers as it does without a PDF
    data = with_slip(source, lines, payload)
    if data is not None and len(data) <= CACHE_LIMIT:
        cache.set(key, data, CACHE_SECONDS)
    return data
