"""Prepaid balance and bonus points: ledgers with reasons, the bonus rule (pending → active → expired), paying
part of an invoice with them, and two simultaneous redemptions never spending the same points."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from kabinet.billing.models import Invoice
from kabinet.core.viewer import Viewer
from kabinet.payments import actions
from kabinet.payments.models import AccountEntry, PaymentSettings
from kabinet.payments.selectors import account_summary, account_totals
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role

NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


def _rule(**fields) -> None:
    actions.save_payment_settings(
        actor=None,
        options=PaymentSettings(
            bonus_percent=Decimal("5"), bonus_lock_days=14, bonus_expire_months=6, **fields
        ),
        changed_fields=["bonus_percent"],
    )


def _viewer(world, role=Role.OWNER) -> Viewer:
    from django.test import RequestFactory

    from kabinet.crm.viewer import build_viewer

    request = RequestFactory().get("/")
    request.user = world.user(role)
    request.session = {}
    return build_viewer(request)


@pytest.mark.django_db
def test_a_paid_invoice_earns_points_that_wait_then_work_then_expire(world):
    _rule()
    actions.record_transfer(
        actor=None, invoice=world.invoice, amount=Decimal("9900.00"), reference="1", now=NOW
    )
    actions.record_transfer(
        actor=None, invoice=world.invoice, amount=Decimal("0.01"), reference="1"
    )  # known: no-op
    [lot] = AccountEntry.objects.filter(kind="points")
    assert lot.amount == Decimal("495.00") and lot.source == "bonus_rule"
    assert lot.available_from == NOW + 14 * DAY and lot.expires_at == datetime.datetime(
        2027, 6, 15, 12, tzinfo=datetime.UTC
    )
    viewer = _viewer(world)
    assert account_summary(viewer, now=NOW)["pending"] == Decimal("495.00")
    assert account_summary(viewer, now=NOW)["points"] == 0
    active = account_summary(viewer, now=NOW + 15 * DAY)
    assert active["points"] == Decimal("495.00") and active["expiring"][0]["date"] == lot.expires_at
    assert account_totals(viewer, now=NOW + 15 * DAY)["points"] == Decimal("495.00")
    assert account_summary(viewer, now=lot.expires_at)["points"] == 0
    assert account_totals(viewer, now=lot.expires_at)["points"] == 0


@pytest.mark.django_db
def test_a_client_pays_part_of_an_invoice_with_points_up_to_the_share(world):
    _rule(max_redeem_share=Decimal("10"))
    owner = world.user(Role.OWNER).contact
    staff = f.StaffFactory()
    actions.adjust_account(
        actor=staff,
        company=world.company,
        contact=owner,
        kind="points",
        amount=Decimal("2000"),
        reason="Welcome",
    )
    actions.adjust_account(
        actor=staff,
        company=world.company,
        contact=owner,
        kind="balance",
        amount=Decimal("300"),
        reason="Prepaid",
    )
    client = world.client_for(Role.OWNER)
    page = client.get(reverse("payments:pay", args=[world.invoice.public_id])).content.decode()
    assert "Pay with points or balance" in page and "990.00" in page
    too_much = client.post(
        reverse("payments:redeem", args=[world.invoice.public_id]),
        {"method": "points", "amount": "991"},
        follow=True,
    )
    assert "more than may be paid with points or balance" in too_much.content.decode()
    client.post(
        reverse("payments:redeem", args=[world.invoice.public_id]), {"method": "points", "amount": "700"}
    )
    client.post(
        reverse("payments:redeem", args=[world.invoice.public_id]), {"method": "balance", "amount": "290"}
    )
    world.invoice.refresh_from_db()
    assert (
        world.invoice.paid_amount == Decimal("990.00")
        and world.invoice.status == Invoice.Status.PARTIALLY_PAID
    )
    summary = account_summary(_viewer(world), now=timezone.now())
    assert summary["points"] == Decimal("1300.00") and summary["balance"] == Decimal("10.00")
    assert not AccountEntry.objects.filter(source="bonus_rule").exists()  # points and balance earn nothing
    body = client.get(reverse("payments:account")).content.decode()
    assert "Welcome" in body and "Paid an invoice" in body and "1,300" in body
    home = client.get(reverse("portal:home")).content.decode()
    assert 'data-card="account"' in home and "1,300" in home
    with pytest.raises(actions.PaymentRefused):
        actions.adjust_account(
            actor=staff, company=world.company, contact=owner, kind="points", amount=Decimal("-5"), reason="x"
        )


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_redemptions_never_spend_the_same_points(world):
    """Two requests at once, each on its own connection, each wanting 600 of the 1,000 points."""
    # The issue asks for parallel requests on PostgreSQL. The test database of SQLite is in memory with a cache
    # shared by threads, which answers "table is locked" instead of waiting: there the two requests run one
    # after the other (SQLite's IMMEDIATE transactions admit one writer at a time anyway).
    parallel = connection.vendor != "sqlite"
    _rule(max_redeem_share=Decimal("100"))
    owner = world.user(Role.OWNER).contact
    actions.adjust_account(
        actor=None, company=world.company, contact=owner, kind="points", amount=Decimal("1000"), reason="Gift"
    )
    second = f.InvoiceFactory(company=world.company, contact=owner)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def spend(invoice: Invoice) -> None:
        client = world.client_for(Role.OWNER)
        if parallel:
            barrier.wait()
        answer = client.post(
            reverse("payments:redeem", args=[invoice.public_id]), {"method": "points", "amount": "600"}
        )
        outcomes.append(answer["Location"])
        if parallel:
            connection.close()

    if parallel:
        threads = [threading.Thread(target=spend, args=(invoice,)) for invoice in (world.invoice, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        spend(world.invoice)
        spend(second)
    spent = -sum(AccountEntry.objects.filter(kind="points", amount__lt=0).values_list("amount", flat=True))
    assert spent == Decimal("600.00")
    assert sorted(o.endswith("/pay/") for o in outcomes) == [False, True]
