"""Every payments page costs a fixed number of queries, whatever the number of invoices and payments."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kabinet.payments.actions import record_transfer, start_payment
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db


def _count(client, url: str) -> int:
    client.get(url)  # warm the settings held in the cache (as the portal's budget test does)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _more(world, n: int) -> None:
    """``n`` more invoices of the company, each partly paid by a transfer, and ``n`` payments of the invoice."""
    owner = world.user(Role.OWNER).contact
    for i in range(n):
        other = f.InvoiceFactory(company=world.company, contact=owner)
        record_transfer(actor=None, invoice=other, amount=Decimal("10.00"), reference=f"{other.number}-{i}")
        record_transfer(
            actor=None, invoice=world.invoice, amount=Decimal("1.00"), reference=f"{world.invoice.number}-{i}"
        )


PAGES = {
    # session, user, viewer, the invoice (or the payment); the invoice page adds its payments
    "pay": (lambda w: reverse("payments:pay", args=[w.invoice.public_id]), 4),
    "invoice with payments": (lambda w: reverse("billing:invoice", args=[w.invoice.public_id]), 5),
    "sandbox": (lambda w: reverse("payments:sandbox", args=[w.extra["sandbox"]]), 4),
    "slip": (lambda w: reverse("payments:slip", args=[w.invoice.public_id]), 4),
    # the invoice PDF with the payment slip: the same four (the settings and the PDF come from the cache)
    "invoice pdf with the slip": (lambda w: reverse("billing:invoice_file", args=[w.invoice.public_id]), 4),
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_budget_does_not_grow_with_data(world, name):
    url_of, budget = PAGES[name]
    world.extra["sandbox"] = start_payment(
        actor=None, invoice=world.invoice, return_url=lambda pid: "http://x/"
    ).provider_payment_id
    if name in ("slip", "invoice pdf with the slip"):
        from kabinet.payments.actions import save_payment_settings
        from kabinet.payments.tests.test_qr import payee

        save_payment_settings(actor=None, options=payee(), changed_fields=[])
    client = world.client_for(Role.COMPANY_ADMIN)
    _more(world, 2)
    small = _count(client, url_of(world))
    _more(world, 30)
    large = _count(client, url_of(world))
    assert large <= budget, f"{name}: {large} queries (budget {budget})"
    assert small == large, f"{name}: {small} queries with few payments, {large} with many"
