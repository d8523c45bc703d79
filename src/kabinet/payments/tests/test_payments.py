"""Paying an invoice from the cabinet through the offline sandbox provider, and the actions behind it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from kabinet.billing.models import Invoice
from kabinet.core.audit import AuditEntry
from kabinet.core.providers import payments as gateway
from kabinet.crm.models import TimelineEntry
from kabinet.payments import actions
from kabinet.payments.models import LedgerEntry, Payment, PaymentSettings
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role
from kabinet.testing.notices import recording_notices
from kabinet.webhooks.models import OutboxEvent

pytestmark = pytest.mark.django_db


def _pay_through_sandbox(client, invoice: Invoice, outcome: str = "succeeded", **form) -> Payment:
    started = client.post(reverse("payments:pay", args=[invoice.public_id]), form)
    assert started.status_code == 302, started.content.decode()[:500]
    page = started["Location"]
    assert page.startswith("/pay/sandbox/sbx_")
    assert client.get(page).status_code == 200
    back = client.post(page, {"outcome": outcome})
    assert back.status_code == 302 and back["Location"].startswith("/payments/")
    shown = client.get(back["Location"])
    assert shown.status_code == 302 and shown["Location"] == reverse(
        "billing:invoice", args=[invoice.public_id]
    )
    return Payment.objects.get(provider_payment_id=page.rstrip("/").rsplit("/", 1)[1])


def test_a_client_pays_an_invoice_in_full_through_the_sandbox(world, django_capture_on_commit_callbacks):
    invoice = world.invoice
    client = world.client_for(Role.OWNER)
    with recording_notices() as notices, django_capture_on_commit_callbacks(execute=True):
        payment = _pay_through_sandbox(client, invoice)
    invoice.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED and payment.method == Payment.Method.BANK_CARD
    assert invoice.status == Invoice.Status.PAID and invoice.paid_amount == Decimal("9900.00")
    assert list(LedgerEntry.objects.values_list("kind", "amount")) == [("payment", Decimal("9900.00"))]
    events = set(TimelineEntry.objects.values_list("event", flat=True))
    assert {"payment.succeeded", "invoice.status_changed"} <= events
    assert AuditEntry.objects.filter(event="payment.succeeded").count() == 1
    assert OutboxEvent.objects.filter(type="invoice.paid").count() == 1
    # The provider's word (not the payer's click) records the payment: the owner gets the receipt notice.
    assert [(n.event, n.contact_id) for n in notices] == [("payment.succeeded", invoice.contact_id)]
    body = client.get(reverse("billing:invoice", args=[invoice.public_id])).content.decode()
    assert "Thank you! The payment has been received." in body
    assert 'data-payment="' in body and "Bank card" in body and "Receipt" in body
    assert "data-pay-link" not in body  # nothing left to pay


def test_a_payment_recorded_from_the_provider_notifies_the_client(world):
    invoice = world.invoice
    payment = actions.start_payment(actor=None, invoice=invoice, return_url=lambda pid: f"http://x/{pid}/")
    gateway.settle_offline("sandbox", payment.provider_payment_id, gateway.SUCCEEDED)
    with recording_notices() as notices:
        gateway.payment_changed("sandbox", payment.provider_payment_id)
    assert [(n.event, n.contact_id) for n in notices] == [
        ("payment.succeeded", world.user(Role.OWNER).contact.pk)
    ]


def test_a_declined_payment_leaves_the_invoice_unpaid_and_says_so(world):
    client = world.client_for(Role.OWNER)
    payment = _pay_through_sandbox(client, world.invoice, outcome="canceled")
    world.invoice.refresh_from_db()
    assert payment.status == Payment.Status.CANCELED and world.invoice.status == Invoice.Status.UNPAID
    assert not LedgerEntry.objects.exists()
    body = client.get(reverse("billing:invoice", args=[world.invoice.public_id])).content.decode()
    assert "The payment did not go through" in body and "data-pay-link" in body


def test_an_abandoned_payment_is_waiting_and_a_second_click_reuses_it(world):
    client = world.client_for(Role.OWNER)
    url = reverse("payments:pay", args=[world.invoice.public_id])
    first = client.post(url)
    second = client.post(url)
    assert first["Location"] == second["Location"] and Payment.objects.count() == 1
    payment = Payment.objects.get()
    answer = client.get(reverse("payments:return", args=[payment.public_id]), follow=True)
    assert "We are waiting for the payment service" in answer.content.decode()
    world.invoice.refresh_from_db()
    assert world.invoice.status == Invoice.Status.UNPAID


def test_partial_payments_only_where_staff_allow_them(world):
    client = world.client_for(Role.OWNER)
    url = reverse("payments:pay", args=[world.invoice.public_id])
    page = client.get(url).content.decode()
    assert 'name="amount"' not in page  # whole invoice only: no amount field
    with pytest.raises(actions.PaymentRefused):
        actions.start_payment(
            actor=None, invoice=world.invoice, amount=Decimal("100"), return_url=lambda pid: "http://x/"
        )
    PaymentSettings.objects.create(allow_partial=True, partial_minimum=Decimal("500.00"))
    too_small = client.post(url, {"amount": "100"})
    assert too_small.status_code == 400 and "below the smallest partial payment" in too_small.content.decode()
    too_big = client.post(url, {"amount": "10000"})
    assert too_big.status_code == 400 and "more than is left to pay" in too_big.content.decode()
    assert client.post(url, {"amount": "nonsense"}).status_code == 400
    _pay_through_sandbox(client, world.invoice, amount="4000.00")
    world.invoice.refresh_from_db()
    assert world.invoice.status == Invoice.Status.PARTIALLY_PAID and world.invoice.paid_amount == Decimal(
        "4000"
    )
    _pay_through_sandbox(client, world.invoice)  # the rest, by default
    world.invoice.refresh_from_db()
    assert world.invoice.status == Invoice.Status.PAID and world.invoice.paid_amount == Decimal("9900")
    assert OutboxEvent.objects.filter(type="invoice.paid").count() == 1


def test_the_same_success_reported_again_credits_once(world):
    payment = actions.start_payment(actor=None, invoice=world.invoice, return_url=lambda pid: "http://x/")
    gateway.settle_offline("sandbox", payment.provider_payment_id, gateway.SUCCEEDED)
    for _ in range(5):
        gateway.payment_changed("sandbox", payment.provider_payment_id)
    # A late "canceled" (or anything else) never undoes a success.
    state = gateway.fetch("sandbox", payment.provider_payment_id)
    actions.record_provider_state(
        state=gateway.PaymentState(**{**state.__dict__, "status": gateway.CANCELED})
    )
    payment.refresh_from_db()
    world.invoice.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert LedgerEntry.objects.count() == 1 and world.invoice.paid_amount == Decimal("9900.00")


def test_a_report_that_differs_from_what_was_asked_goes_to_staff_not_to_paid(world):
    payment = actions.start_payment(actor=None, invoice=world.invoice, return_url=lambda pid: "http://x/")
    state = gateway.PaymentState(
        provider="sandbox",
        payment_id=payment.provider_payment_id,
        status=gateway.SUCCEEDED,
        amount=Decimal("1.00"),
        currency="RUB",
        metadata={"invoice": world.invoice.public_id, "payment": payment.public_id},
    )
    actions.record_provider_state(state=state)
    payment.refresh_from_db()
    world.invoice.refresh_from_db()
    assert payment.status == Payment.Status.REVIEW and "asked 9900.00 RUB" in payment.review_reason
    assert world.invoice.status == Invoice.Status.UNPAID and not LedgerEntry.objects.exists()
    assert AuditEntry.objects.filter(event="payment.mismatch").exists()
    entry = TimelineEntry.objects.get(event="payment.review")
    assert entry.client_visible is False


def test_a_refused_provider_shows_a_translated_sentence_never_its_own_words(world, settings):
    from kabinet.testing.payments import use_yookassa

    use_yookassa(settings, "http://127.0.0.1:9")  # nothing listens there
    client = world.client_for(Role.OWNER)
    answer = client.post(reverse("payments:pay", args=[world.invoice.public_id]), follow=True)
    body = answer.content.decode()
    assert "could not start the payment" in body
    assert "127.0.0.1" not in body and "no answer" not in body
    assert Payment.objects.get().status == Payment.Status.FAILED


def test_paid_invoice_moves_its_order_to_the_stage_staff_chose(world):
    in_work = f.StageFactory(pipeline=world.order.pipeline, client_name="В работе")
    PaymentSettings.objects.create(paid_stage=in_work)
    actions.record_transfer(
        actor=f.StaffFactory(), invoice=world.invoice, amount=Decimal("9900.00"), reference="п/п 15"
    )
    world.order.refresh_from_db()
    assert world.order.stage == in_work
    # The same statement line imported again changes nothing.
    actions.record_transfer(actor=None, invoice=world.invoice, amount=Decimal("9900.00"), reference="п/п 15")
    assert LedgerEntry.objects.count() == 1


def test_a_refund_goes_to_the_ledger_and_reopens_the_invoice(world):
    payment = actions.start_payment(actor=None, invoice=world.invoice, return_url=lambda pid: "http://x/")
    gateway.settle_offline("sandbox", payment.provider_payment_id, gateway.SUCCEEDED)
    gateway.payment_changed("sandbox", payment.provider_payment_id)
    payment.refresh_from_db()
    actions.refund_payment(actor=f.StaffFactory(), payment=payment, amount=Decimal("900.00"))
    world.invoice.refresh_from_db()
    assert world.invoice.paid_amount == Decimal("9000.00")
    assert world.invoice.status == Invoice.Status.PARTIALLY_PAID
    assert sorted(LedgerEntry.objects.values_list("amount", flat=True)) == [
        Decimal("-900.00"),
        Decimal("9900.00"),
    ]
    with pytest.raises(actions.PaymentRefused):
        actions.refund_payment(actor=None, payment=payment, amount=Decimal("9001.00"))


def test_the_dashboard_card_links_each_unpaid_invoice_to_its_pay_page(world):
    body = world.client_for(Role.OWNER).get(reverse("portal:home")).content.decode()
    assert reverse("payments:pay", args=[world.invoice.public_id]) in body


def test_the_invoice_email_carries_the_pay_link(world):
    from kabinet.billing.actions import issue_invoice

    with recording_notices() as notices:
        invoice = issue_invoice(
            actor=None, company=world.company, contact=world.user(Role.OWNER).contact, amount=Decimal("10.00")
        )
    assert notices[0].params["pay_url"].endswith(reverse("payments:pay", args=[invoice.public_id]))


def test_the_manager_is_told_by_email_in_his_language(world, mailoutbox, django_capture_on_commit_callbacks):
    manager = f.StaffFactory(email="manager@example.test", language="ru")
    world.order.manager = manager
    world.order.save()
    with django_capture_on_commit_callbacks(execute=True):
        actions.record_transfer(
            actor=None, invoice=world.invoice, amount=Decimal("9900.00"), reference="п/п 1"
        )
    [email] = [m for m in mailoutbox if m.to == ["manager@example.test"]]
    assert email.subject == f"Счёт №{world.invoice.number}: получено 9\u00a0900,00\u00a0₽"
    assert "банковский перевод" in email.body and f"/admin/billing/invoice/{world.invoice.pk}/" in email.body


@pytest.mark.parametrize(
    "language, sentence",
    [
        ("ru", "Мы получили вашу оплату {money} по счёту №СЧ-1"),
        ("en", "We received your payment of {money} for invoice №СЧ-1"),
        ("pl", "Otrzymaliśmy Twoją płatność {money} za fakturę nr СЧ-1"),
    ],
)
def test_the_payment_notice_names_the_amount(language, sentence):
    from django.utils import translation

    from kabinet.core.formats import format_money
    from kabinet.notifications.events import notice_text

    with translation.override(language):
        text = notice_text("payment.succeeded", {"number": "СЧ-1", "amount": "56000.00", "currency": "RUB"})
        assert text == sentence.format(money=format_money("56000.00", "RUB"))
