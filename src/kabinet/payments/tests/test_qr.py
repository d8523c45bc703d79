"""The GOST R 56042-2014 bank-transfer string and its QR code on the invoice page."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kabinet.demo import identifiers
from kabinet.payments.actions import save_payment_settings
from kabinet.payments.models import PaymentSettings
from kabinet.payments.qr import MAX_BYTES, gost_string, qr_svg
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db
BIK = "044525225"
ACCOUNT = identifiers.ru_account(random.Random(1), BIK)
CORRESPONDENT = identifiers.ru_correspondent_account(BIK)


def payee(**fields) -> PaymentSettings:
    values = {
        "payee_name": "ООО «Ромашка»",
        "payee_inn": "7707083893",
        "payee_kpp": "773601001",
        "bank_name": "ПАО Сбербанк",
        "bic": BIK,
        "account": ACCOUNT,
        "correspondent_account": CORRESPONDENT,
        **fields,
    }
    return PaymentSettings(**values)


def test_the_string_has_the_mandatory_block_the_amount_in_kopecks_and_the_purpose():
    invoice = f.InvoiceFactory.build(number="СЧ-00042", issued_on=datetime.date(2026, 12, 1))
    text = gost_string(payee(), invoice, Decimal("56000.50"))
    assert text == (
        "ST00012|Name=ООО «Ромашка»|PersonalAcc=" + ACCOUNT + "|BankName=ПАО Сбербанк|BIC=044525225"
        "|CorrespAcc=" + CORRESPONDENT + "|PayeeINN=7707083893|KPP=773601001|Sum=5600050"
        "|Purpose=Оплата по счёту №СЧ-00042 от 01.12.2026"
    )
    assert len(text.encode()) <= MAX_BYTES


def test_separators_never_leak_into_values_and_a_long_purpose_is_clipped_within_300_bytes():
    invoice = f.InvoiceFactory.build(number="N" * 200, issued_on=datetime.date(2026, 12, 1))
    text = gost_string(payee(payee_name="ООО |Name=Подделка"), invoice, Decimal("1"))
    assert "|Name=Подделка" not in text and text.count("|Name=") == 1
    assert len(text.encode()) <= MAX_BYTES and "|Sum=100|" in text


def test_no_bank_details_no_qr():
    assert gost_string(PaymentSettings(), f.InvoiceFactory.build(), Decimal("1")) is None


def test_bank_details_are_checked_by_their_control_keys():
    wrong = ACCOUNT[:-1] + str((int(ACCOUNT[-1]) + 1) % 10)
    with pytest.raises(ValidationError) as error:
        save_payment_settings(actor=None, options=payee(account=wrong), changed_fields=["account"])
    assert "account" in error.value.message_dict
    with pytest.raises(ValidationError):
        save_payment_settings(actor=None, options=payee(payee_inn="7707083894"), changed_fields=["payee_inn"])


def test_the_invoice_page_shows_the_qr_code_of_what_is_left_to_pay(world):
    save_payment_settings(actor=None, options=payee(), changed_fields=["payee_name"])
    world.invoice.paid_amount = Decimal("900.00")
    world.invoice.status = "partially_paid"
    world.invoice.save()
    body = world.client_for(Role.OWNER).get(reverse("billing:invoice", args=[world.invoice.public_id]))
    text = gost_string(PaymentSettings.current(), world.invoice, Decimal("9000.00"))
    assert "|Sum=900000|" in text
    page = body.content.decode()
    # The SVG on the page is the symbol segno encodes from exactly that string.
    assert qr_svg(text, title=f"QR {world.invoice.number}") in page
    assert 'aria-label="QR code with the payment details"' in page and ACCOUNT in page


def test_the_printable_payment_slip_carries_the_details_and_the_qr_code(world):
    client = world.client_for(Role.OWNER)
    url = reverse("payments:slip", args=[world.invoice.public_id])
    assert client.get(url).status_code == 404  # no bank details yet: no slip
    save_payment_settings(actor=None, options=payee(), changed_fields=["payee_name"])
    invoice_page = client.get(reverse("billing:invoice", args=[world.invoice.public_id])).content.decode()
    assert url in invoice_page
    page = client.get(url).content.decode()
    text = gost_string(PaymentSettings.current(), world.invoice, Decimal("9900.00"))
    assert qr_svg(text, title=f"QR {world.invoice.number}") in page
    for detail in ("ООО «Ромашка»", "7707083893", "773601001", ACCOUNT, CORRESPONDENT, BIK, "ПАО Сбербанк"):
        assert detail in page
    assert f"Оплата по счёту №{world.invoice.number}" in page and "@media print" in page
    world.invoice.paid_amount, world.invoice.status = world.invoice.amount, "paid"
    world.invoice.save()
    assert client.get(url).status_code == 404  # nothing left to pay


def qr_in_pdf(data: bytes) -> str:
    """Take the QR image out of the last page of ``data`` and decode it (zxing-cpp): the string a bank's app
    reads. The image is 1-bit, one pixel per module; it is blown up 8× into 8-bit grey for the decoder."""
    import io

    import zxingcpp
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    page = reader.root["/Pages"]
    while "/Kids" in page:
        page = page["/Kids"][-1].get_object()
    image = page["/Resources"]["/XObject"]["/Qr"].get_object()
    side, bits = int(image["/Width"]), image.data
    row_bytes, scale = (side + 7) // 8, 8
    grey = bytearray()
    for y in range(side):
        row = bytes(
            0 if not bits[y * row_bytes + x // 8] & (0x80 >> (x % 8)) else 255
            for x in range(side)
            for _ in range(scale)
        )
        grey += row * scale
    found = zxingcpp.read_barcodes(memoryview(bytes(grey)).cast("B", (side * scale, side * scale)))
    assert len(found) == 1 and found[0].format == zxingcpp.BarcodeFormat.QRCode
    return found[0].bytes.decode("utf-8")


def test_the_downloaded_invoice_pdf_carries_the_slip_page_whose_qr_decodes_to_the_gost_string(world):
    """Through the access-checked download: the stored PDF stays as it was and is the start of what is served
    (an incremental update adds the slip page); the QR decodes back to the GOST string of what is left; the
    details are text in the embedded font, Cyrillic and Polish alike. Without a stored PDF the client gets
    Kabinet's one-page invoice with the same slip; a paid invoice gets the stored file untouched."""
    from kabinet.demo.pdf import simple_pdf
    from kabinet.files.actions import store_bytes
    from kabinet.signing.tests.helpers import pdf_text

    client = world.client_for(Role.OWNER)
    url = reverse("billing:invoice_file", args=[world.invoice.public_id])
    assert client.get(url).status_code == 404  # no PDF and no bank details: nothing to serve
    save_payment_settings(actor=None, options=payee(), changed_fields=["payee_name"])
    world.invoice.paid_amount, world.invoice.status = Decimal("900.00"), "partially_paid"
    world.invoice.save()
    expected = gost_string(PaymentSettings.current(), world.invoice, Decimal("9000.00"))

    made = client.get(url)  # no stored PDF: Kabinet's own invoice PDF with the slip
    assert made.status_code == 200 and made["Content-Type"] == "application/pdf"
    made_pdf = b"".join(made.streaming_content)
    assert qr_in_pdf(made_pdf) == expected
    text = pdf_text(made_pdf)
    assert f"№{world.invoice.number}" in text and ACCOUNT in text and "ПАО Сбербанк" in text
    assert f"Оплата по счёту №{world.invoice.number}" in text
    assert b"/FontFile2" in made_pdf or b"FontFile2" in made_pdf
    page = client.get(reverse("billing:invoice", args=[world.invoice.public_id])).content.decode()
    assert url in page  # "Open the PDF" is offered for it

    original = simple_pdf(["Faktura СЧ", "Zażółć gęślą jaźń"])
    stored = store_bytes(
        actor=None, name="Счёт.pdf", data=original, company=world.company, contact=world.invoice.contact
    )
    world.invoice.file = stored
    world.invoice.save(update_fields=["file"])
    owner = world.user(Role.OWNER)
    owner.language = "pl"
    owner.save(update_fields=["language"])
    served = b"".join(client.get(url, {"inline": "1"}).streaming_content)
    assert served.startswith(original) and len(served) > len(original)
    with stored.file.open("rb") as handle:
        assert handle.read() == original  # the stored file is never changed
    assert qr_in_pdf(served) == expected
    assert "Bank" in pdf_text(served) and "Odbiorca" in pdf_text(served)  # the reader's language, embedded

    world.invoice.paid_amount, world.invoice.status = world.invoice.amount, "paid"
    world.invoice.save()
    assert b"".join(client.get(url).streaming_content) == original  # nothing to pay: the file as it is


def test_a_stored_pdf_pyhanko_cannot_extend_is_served_as_it_is(world):
    """A malformed upload gets no slip page, and no 500: the client downloads the file as staff stored it."""
    save_payment_settings(actor=None, options=payee(), changed_fields=["payee_name"])
    world.invoice.file = f.ClientFileFactory(company=world.company, contact=world.invoice.contact)
    world.invoice.save(update_fields=["file"])
    answer = world.client_for(Role.OWNER).get(reverse("billing:invoice_file", args=[world.invoice.public_id]))
    assert answer.status_code == 200 and b"".join(answer.streaming_content) == b"%PDF-1.4\n%test\n"
