"""Bank statements in the 1C client-bank exchange format: parsing, matching invoices, importing twice."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kabinet.billing.models import Invoice
from kabinet.demo import identifiers
from kabinet.payments.actions import import_statement, save_payment_settings
from kabinet.payments.models import Payment, PaymentSettings
from kabinet.payments.statements import StatementError, invoice_numbers_in, parse_statement
from kabinet.testing import factories as f

pytestmark = pytest.mark.django_db
BIK = "044525225"
OUR_ACCOUNT = identifiers.ru_account(random.Random(7), BIK)


def statement(*documents: dict[str, str], encoding: str = "cp1251") -> bytes:
    lines = [
        "1CClientBankExchange",
        "ВерсияФормата=1.03",
        "Кодировка=Windows",
        "Отправитель=Бухгалтерия предприятия",
        "ДатаНачала=01.12.2026",
        "ДатаКонца=01.12.2026",
        f"РасчСчет={OUR_ACCOUNT}",
        "СекцияРасчСчет",
        f"РасчСчет={OUR_ACCOUNT}",
        "КонецРасчСчет",
    ]
    for doc in documents:
        lines.append("СекцияДокумент=Платежное поручение")
        lines += [f"{k}={v}" for k, v in doc.items()]
        lines.append("КонецДокумента")
    lines.append("КонецФайла")
    return "\r\n".join(lines).encode(encoding)


def document(number: str, amount: str, purpose: str, account: str = OUR_ACCOUNT) -> dict[str, str]:
    return {
        "Номер": number,
        "Дата": "01.12.2026",
        "Сумма": amount,
        "ПлательщикСчет": "40702810900000000001",
        "ПлательщикИНН": "7707083893",
        "Плательщик1": 'ООО "Ромашка"',
        "ПолучательСчет": account,
        "ПолучательИНН": "7701234567",
        "НазначениеПлатежа": purpose,
    }


def test_the_documents_are_read_from_a_windows_1251_file():
    [line] = parse_statement(statement(document("15", "9900.00", "Оплата по счёту №СЧ-00042 от 01.12.2026")))
    assert line.amount == Decimal("9900.00") and line.payer == 'ООО "Ромашка"' and line.number == "15"
    assert invoice_numbers_in(line.purpose) == ["СЧ-00042"]
    with pytest.raises(StatementError):
        parse_statement(b"not a statement")


def test_an_import_records_the_transfers_it_can_match_once(world):
    save_payment_settings(
        actor=None,
        options=PaymentSettings(
            payee_name="ООО «Кабинет»",
            bank_name="ПАО Сбербанк",
            bic=BIK,
            account=OUR_ACCOUNT,
            correspondent_account=identifiers.ru_correspondent_account(BIK),
        ),
        changed_fields=["account"],
    )
    other = f.InvoiceFactory(company=world.company, contact=world.invoice.contact, amount=Decimal("500.00"))
    data = statement(
        document("15", "9900.00", f"Оплата по счёту №{world.invoice.number}"),
        document("16", "100.00", f"Оплата по счёту №{other.number}, частично"),
        document("17", "50.00", "Без номера счёта"),
        document("18", "500.00", f"Оплата по счёту №{other.number}", account="40702810000000000000"),
    )
    first = import_statement(actor=None, data=data)
    assert len(first["recorded"]) == 2 and len(first["unmatched"]) == 1 and len(first["not_ours"]) == 1
    world.invoice.refresh_from_db()
    other.refresh_from_db()
    assert world.invoice.status == Invoice.Status.PAID
    assert other.status == Invoice.Status.PARTIALLY_PAID and other.paid_amount == Decimal("100.00")
    again = import_statement(actor=None, data=data)
    assert len(again["known"]) == 2 and not again["recorded"]
    assert Payment.objects.filter(method=Payment.Method.BANK_TRANSFER).count() == 2


def test_staff_import_a_statement_in_the_back_office(world, client):
    client.force_login(f.UserFactory(is_staff=True, is_superuser=True, email="boss@example.test"))
    assert (
        reverse("admin:payments_import_statement")
        in client.get(reverse("admin:payments_payment_changelist")).content.decode()
    )
    upload = SimpleUploadedFile(
        "kl_to_1c.txt", statement(document("1", "9900.00", f"Счёт №{world.invoice.number}"))
    )
    answer = client.post(reverse("admin:payments_import_statement"), {"statement": upload})
    assert answer.status_code == 200 and "Recorded as payments: 1" in answer.content.decode()
    bad = client.post(
        reverse("admin:payments_import_statement"), {"statement": SimpleUploadedFile("x.txt", b"hello")}
    )
    assert "This is not a 1C client-bank statement" in bad.content.decode()
