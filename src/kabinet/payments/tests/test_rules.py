"""Staff's per-invoice partial-payment rule over the portal-wide default, on the pay page and in the API."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from kabinet.billing.models import Invoice
from kabinet.payments import actions
from kabinet.payments.models import PaymentSettings
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db


def _start(invoice: Invoice, amount: str):
    return actions.start_payment(
        actor=None, invoice=invoice, amount=Decimal(amount), return_url=lambda pid: "http://x/"
    )


def test_an_invoice_allowed_in_parts_overrides_a_portal_that_forbids_them(world):
    invoice = world.invoice
    invoice.partial_payment = Invoice.PartialPayment.ALLOW
    invoice.partial_minimum = Decimal("1000.00")
    invoice.save()
    client = world.client_for(Role.OWNER)
    url = reverse("payments:pay", args=[invoice.public_id])
    page = client.get(url).content.decode()
    assert 'name="amount"' in page and "data-partial-minimum" in page
    too_small = client.post(url, {"amount": "999.99"})
    assert too_small.status_code == 400 and "below the smallest partial payment" in too_small.content.decode()
    assert _start(invoice, "1000.00").amount == Decimal("1000.00")


def test_an_invoice_in_full_only_overrides_a_portal_that_allows_parts(world):
    PaymentSettings.objects.create(allow_partial=True, partial_minimum=Decimal("100.00"))
    invoice = world.invoice
    invoice.partial_payment = Invoice.PartialPayment.FORBID
    invoice.save()
    client = world.client_for(Role.OWNER)
    page = client.get(reverse("payments:pay", args=[invoice.public_id])).content.decode()
    assert 'name="amount"' not in page
    with pytest.raises(actions.PaymentRefused) as refused:
        _start(invoice, "500.00")
    assert refused.value.field == "amount"
    # A part sent anyway is ignored: the whole balance is asked.
    client.post(reverse("payments:pay", args=[invoice.public_id]), {"amount": "500"})
    assert invoice.payments.get().amount == Decimal("9900.00")


def test_a_default_invoice_follows_the_portal_with_its_own_minimum(world):
    PaymentSettings.objects.create(allow_partial=True, partial_minimum=Decimal("100.00"))
    invoice = world.invoice
    invoice.partial_minimum = Decimal("3000.00")
    invoice.save()
    with pytest.raises(actions.PaymentRefused):
        _start(invoice, "2000.00")
    assert _start(invoice, "3000.00").amount == Decimal("3000.00")


def test_the_api_shows_and_changes_the_invoice_rule(world):
    from django.test import Client

    from kabinet.api.actions import issue_api_key
    from kabinet.api.models import RESOURCES, WRITE
    from kabinet.testing import factories as f

    issued = issue_api_key(actor=f.StaffFactory(), name="ERP", scopes=dict.fromkeys(RESOURCES, WRITE))
    auth = {"Authorization": f"Bearer {issued.key}"}
    path = f"/api/v1/invoices/{world.invoice.public_id}"
    shown = Client().get(path, headers=auth)
    assert shown.json()["partial_payment"] == "default" and shown.json()["partial_minimum"] is None
    changed = Client().patch(
        path,
        {"partial_payment": "allow", "partial_minimum": "250.00"},
        content_type="application/json",
        headers={**auth, "If-Match": shown["ETag"]},
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["partial_payment"] == "allow" and changed.json()["partial_minimum"] == "250.00"
    refused = Client().patch(
        path,
        {"partial_payment": "sometimes"},
        content_type="application/json",
        headers={**auth, "If-Match": changed["ETag"]},
    )
    assert refused.status_code == 422 and refused["Content-Type"] == "application/problem+json"
    world.invoice.refresh_from_db()
    assert actions.partial_rule(world.invoice, PaymentSettings.current()) == (True, Decimal("250.00"))


# --- Points back after a refund ----------------------------------------------------------------------------


def _points_setup(world, **fields):
    from kabinet.testing import factories as f

    actions.save_payment_settings(
        actor=None,
        options=PaymentSettings(bonus_percent=Decimal("10"), max_redeem_share=Decimal("50"), **fields),
        changed_fields=["bonus_percent"],
    )
    return f.StaffFactory()


def _left(world) -> Decimal:
    from kabinet.payments.models import AccountEntry

    entries = AccountEntry.objects.filter(kind="points", contact=world.user(Role.OWNER).contact)
    return sum(entries.values_list("amount", flat=True), Decimal("0"))


def _pay_with_points(world, amount: str):
    from kabinet.crm.viewer import build_viewer
    from kabinet.payments.models import AccountEntry

    owner = world.user(Role.OWNER)
    # Two lots: the one expiring first is spent first, and a refund gives back to the latest-expiring first.
    for points, months in (("300", 1), ("700", 12)):
        lot = actions.adjust_account(
            actor=None,
            company=world.company,
            contact=owner.contact,
            kind=AccountEntry.Kind.POINTS,
            amount=Decimal(points),
            reason=f"gift {months}",
        )
        expires = timezone.now() + datetime.timedelta(days=30 * months)
        AccountEntry.objects.filter(pk=lot.pk).update(expires_at=expires)
    request = RequestFactory().get("/")
    request.user, request.session = owner, {}
    return actions.redeem(
        actor=owner,
        viewer=build_viewer(request),
        invoice=world.invoice,
        method="points",
        amount=Decimal(amount),
    )


def test_refunding_a_payment_made_with_points_gives_them_back_to_their_lots(world):
    from kabinet.crm.models import TimelineEntry
    from kabinet.payments.models import AccountEntry
    from kabinet.payments.selectors import point_lots

    staff = _points_setup(world)
    payment = _pay_with_points(world, "500.00")
    assert _left(world) == Decimal("500.00")
    actions.refund_payment(actor=staff, payment=payment, amount=Decimal("150.00"))  # partial
    assert _left(world) == Decimal("650.00")
    lots = {lot.reason: lot.left for lot in point_lots(AccountEntry.objects.all())}
    assert lots == {"gift 12": Decimal("650.00")}  # given back to the long-lived lot first
    actions.refund_payment(actor=staff, payment=payment)  # the rest
    assert _left(world) == Decimal("1000.00")
    lots = {lot.reason: lot.left for lot in point_lots(AccountEntry.objects.all())}
    assert lots == {"gift 1": Decimal("300.00"), "gift 12": Decimal("700.00")}
    world.invoice.refresh_from_db()
    assert world.invoice.paid_amount == 0 and world.invoice.status == Invoice.Status.UNPAID
    returned = AccountEntry.objects.filter(source="refund", kind="points")
    assert all(e.actor == staff and e.payment == payment for e in returned)
    assert TimelineEntry.objects.filter(event="points.returned").count() == 2
    # What was refunded may be spent on the invoice again.
    assert actions.redeemable(world.invoice, PaymentSettings.current()) == Decimal("4950.00")


def test_refunding_a_balance_payment_returns_the_money_to_the_balance(world):
    from kabinet.payments.models import AccountEntry

    staff = _points_setup(world)
    owner = world.user(Role.OWNER)
    actions.adjust_account(
        actor=None,
        company=world.company,
        contact=owner.contact,
        kind="balance",
        amount=Decimal("800"),
        reason="x",
    )
    from kabinet.crm.viewer import build_viewer

    request = RequestFactory().get("/")
    request.user, request.session = owner, {}
    payment = actions.redeem(
        actor=owner,
        viewer=build_viewer(request),
        invoice=world.invoice,
        method="balance",
        amount=Decimal("800"),
    )
    actions.refund_payment(actor=staff, payment=payment)
    balance = AccountEntry.objects.filter(kind="balance").values_list("amount", flat=True)
    assert sum(balance, Decimal("0")) == Decimal("800.00")


def test_refunding_a_money_payment_takes_back_the_points_it_earned(world):
    from kabinet.core.audit import AuditEntry
    from kabinet.crm.models import TimelineEntry

    staff = _points_setup(world)
    payment = actions.record_transfer(
        actor=staff, invoice=world.invoice, amount=Decimal("9900.00"), reference="7"
    )
    assert _left(world) == Decimal("990.00")
    actions.refund_payment(actor=staff, payment=payment, amount=Decimal("3300.00"))  # a third
    assert _left(world) == Decimal("660.00")
    actions.refund_payment(actor=staff, payment=payment, amount=Decimal("3300.00"))
    assert _left(world) == Decimal("330.00")
    actions.refund_payment(actor=staff, payment=payment)  # the rest: every earned point is gone
    assert _left(world) == Decimal("0.00")
    assert TimelineEntry.objects.filter(event="points.taken_back").count() == 3
    assert not AuditEntry.objects.filter(event="payments.points_short").exists()


def test_points_already_spent_are_not_taken_below_zero(world):
    from kabinet.core.audit import AuditEntry

    staff = _points_setup(world)
    payment = actions.record_transfer(
        actor=staff, invoice=world.invoice, amount=Decimal("1000.00"), reference="8"
    )
    from kabinet.payments.models import AccountEntry

    lot = AccountEntry.objects.get(source="bonus_rule")
    # The client spent 80 of his 100 points (written as a redemption would).
    AccountEntry.objects.create(
        company=lot.company,
        contact=lot.contact,
        kind="points",
        source="redemption",
        amount=Decimal("-80"),
        lot=lot,
        reason="spent",
    )
    actions.refund_payment(actor=staff, payment=payment)
    assert _left(world) == Decimal("0.00")
    short = AuditEntry.objects.get(event="payments.points_short")
    assert short.data["short"] == "80.00"


# --- Two-stage payments: capture and release -----------------------------------------------------------------


def test_a_held_sandbox_payment_is_captured_or_released_by_staff(world):
    from kabinet.core.audit import AuditEntry
    from kabinet.core.providers import payments as gateway
    from kabinet.payments.models import Payment
    from kabinet.testing import factories as f

    PaymentSettings.objects.create(two_stage=True)
    staff = f.StaffFactory()
    payments = []
    for _ in range(3):
        payment = actions.start_payment(actor=None, invoice=world.invoice, return_url=lambda pid: "http://x/")
        gateway.settle_offline("sandbox", payment.provider_payment_id, gateway.SUCCEEDED)
        gateway.payment_changed("sandbox", payment.provider_payment_id)
        payment.refresh_from_db()
        assert payment.status == Payment.Status.WAITING_FOR_CAPTURE
        payments.append(payment)
        # The next click starts a new payment: a held one is not reused.
        Payment.objects.filter(pk=payment.pk).update(created_at=payment.created_at.replace(year=2000))
    released = actions.release_payment(actor=staff, payment=payments[0])
    assert released.status == Payment.Status.CANCELED
    # A hold nobody captured in time: the provider cancels it, and a late capture says so.
    gateway.get_provider("sandbox").expire_hold(payments[1].provider_payment_id)
    with pytest.raises(actions.PaymentRefused) as refused:
        actions.capture_payment(actor=staff, payment=payments[1])
    with translation.override("en"):
        assert "hold has expired" in str(refused.value.message)
    world.invoice.refresh_from_db()
    assert world.invoice.status == Invoice.Status.UNPAID
    captured = actions.capture_payment(actor=staff, payment=payments[2])
    world.invoice.refresh_from_db()
    assert captured.status == Payment.Status.SUCCEEDED and world.invoice.status == Invoice.Status.PAID
    assert AuditEntry.objects.filter(event="payment.capture", actor=staff).count() == 1
    assert AuditEntry.objects.filter(event="payment.release", actor=staff).count() == 1
    assert AuditEntry.objects.filter(event="payment.capture_refused").count() == 1
    with pytest.raises(actions.PaymentRefused):
        actions.release_payment(actor=staff, payment=captured)


def test_staff_capture_from_the_back_office(world):
    from django.test import Client

    from kabinet.core.providers import payments as gateway
    from kabinet.payments.models import Payment
    from kabinet.testing import factories as f

    PaymentSettings.objects.create(two_stage=True)
    payment = actions.start_payment(actor=None, invoice=world.invoice, return_url=lambda pid: "http://x/")
    gateway.settle_offline("sandbox", payment.provider_payment_id, gateway.SUCCEEDED)
    gateway.payment_changed("sandbox", payment.provider_payment_id)
    admin = Client()
    admin.force_login(f.UserFactory(is_staff=True, is_superuser=True, email="boss@example.test"))
    answer = admin.post(
        reverse("admin:payments_payment_changelist"),
        {"action": "capture", "_selected_action": [payment.pk]},
        follow=True,
    )
    assert answer.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
