"""Staff refund part of a payment in the back office: at most what is refundable, with a reason, through the
refund action (the provider first, then the ledger, the invoice and the points); the same form sent twice
refunds once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kabinet.billing.models import Invoice
from kabinet.core.audit import AuditEntry
from kabinet.core.providers import payments as gateway
from kabinet.payments import actions
from kabinet.payments.models import AccountEntry, LedgerEntry, Payment, PaymentSettings
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db


def _paid(world) -> Payment:
    """The whole invoice (9 900) paid at the sandbox, earning 10 % in points (990)."""
    actions.save_payment_settings(
        actor=None, options=PaymentSettings(bonus_percent=Decimal("10")), changed_fields=["bonus_percent"]
    )
    payment = actions.start_payment(actor=None, invoice=world.invoice, return_url=lambda pid: "http://x/")
    gateway.settle_offline("sandbox", payment.provider_payment_id, gateway.SUCCEEDED)
    gateway.payment_changed("sandbox", payment.provider_payment_id)
    return Payment.objects.get(pk=payment.pk)


def _points(world) -> Decimal:
    entries = AccountEntry.objects.filter(kind="points", contact=world.user(Role.OWNER).contact)
    return sum(entries.values_list("amount", flat=True), Decimal("0"))


def test_staff_refund_part_of_a_payment_once_within_what_is_refundable(world, client):
    payment = _paid(world)
    assert payment.status == Payment.Status.SUCCEEDED and _points(world) == Decimal("990.00")
    staff = f.UserFactory(is_staff=True, is_superuser=True, email="boss@example.test")
    client.force_login(staff)
    url = reverse("admin:payments_payment_refund", args=[payment.pk])
    assert url in client.get(reverse("admin:payments_payment_change", args=[payment.pk])).content.decode()
    page = client.get(url)
    assert page.status_code == 200 and 'name="amount"' in page.content.decode()
    assert 'for="id_amount"' in page.content.decode() and 'for="id_reason"' in page.content.decode()

    too_much = client.post(url, {"amount": "9900.01", "reason": "Goods returned", "seen": "0.00"})
    assert too_much.status_code == 400
    assert too_much.context["form"].errors["amount"] == ["At most 9,900.00\xa0RUB can be refunded."]
    staff.language = "ru"  # staff read the back office in their own language
    staff.save(update_fields=["language"])
    russian = client.post(url, {"amount": "много", "reason": "", "seen": "0.00"})
    assert russian.status_code == 400 and "reason" in russian.context["form"].errors
    assert "Введите число." in russian.content.decode()
    over = client.post(url, {"amount": "10000", "reason": "x", "seen": "0.00"}).content.decode()
    assert "Можно вернуть не больше 9\xa0900,00\xa0₽." in over
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND).exists()

    form = {"amount": "3300.00", "reason": "Часть товара вернули", "seen": "0.00"}
    done = client.post(url, form)
    assert done.status_code == 302 and done["Location"].endswith(f"/{payment.pk}/change/")
    again = client.post(url, form)  # the same form sent twice (back button, double click)
    assert again.status_code == 302
    payment.refresh_from_db()
    world.invoice.refresh_from_db()
    assert payment.refunded_amount == Decimal("3300.00")
    assert world.invoice.paid_amount == Decimal("6600.00")
    assert world.invoice.status == Invoice.Status.PARTIALLY_PAID
    [refund] = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND)
    assert refund.amount == Decimal("-3300.00") and refund.reason == "refund: Часть товара вернули"
    assert refund.actor == staff
    assert _points(world) == Decimal("660.00")  # a third refunded, a third of the earned points taken back
    assert AuditEntry.objects.filter(event="payment.refunded").count() == 1

    # The rest through the same form; then nothing is left and the page says so.
    rest = client.post(url, {"amount": "6600.00", "reason": "Всё вернули", "seen": "3300.00"})
    assert rest.status_code == 302
    world.invoice.refresh_from_db()
    assert world.invoice.paid_amount == Decimal("0.00") and _points(world) == Decimal("0.00")
    assert 'name="amount"' not in client.get(url).content.decode()


def test_the_refund_page_costs_a_fixed_number_of_queries(world, client):
    payment = _paid(world)
    staff = f.UserFactory(is_staff=True, is_superuser=True, email="boss@example.test")
    client.force_login(staff)
    url = reverse("admin:payments_payment_refund", args=[payment.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    client.get(url)  # warm what the back office caches (as the other budget tests do)
    small = count()
    for _ in range(30):
        actions.refund_payment(actor=staff, payment=payment, amount=Decimal("10.00"))
    large = count()
    assert small == large and large <= 8, f"{small} → {large} queries"
    assert client.get(reverse("admin:payments_payment_refund", args=[payment.pk + 1000])).status_code == 404
