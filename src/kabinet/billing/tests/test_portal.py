"""Invoices in the portal: statuses as the client reads them (overdue included), detail, PDF, last invoice."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from kabinet.billing.models import OPEN_STATUSES, Invoice
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


@pytest.fixture
def invoices(world):
    owner = world.user(Role.OWNER).contact
    world.invoice.delete()
    make = lambda **kw: f.InvoiceFactory(company=world.company, contact=owner, **kw)  # noqa: E731
    return {
        "unpaid": make(),
        "late": make(due_date=TODAY - datetime.timedelta(days=2)),
        "partly": make(status=Invoice.Status.PARTIALLY_PAID, paid_amount=Decimal("900")),
        "partly_late": make(
            status=Invoice.Status.PARTIALLY_PAID,
            paid_amount=Decimal("1"),
            due_date=TODAY - datetime.timedelta(days=1),
        ),
        "paid": make(status=Invoice.Status.PAID, paid_amount=Decimal("9900")),
        "cancelled": make(status=Invoice.Status.CANCELLED),
    }


@pytest.mark.parametrize(
    "status, expected",
    [
        ("unpaid", {"unpaid"}),
        ("partially_paid", {"partly"}),
        ("overdue", {"late", "partly_late"}),
        ("paid", {"paid"}),
        ("cancelled", {"cancelled"}),
        ("", {"unpaid", "late", "partly", "partly_late", "paid", "cancelled"}),
        ("bogus", {"unpaid", "late", "partly", "partly_late", "paid", "cancelled"}),
    ],
)
def test_status_filter_as_the_client_reads_it(world, invoices, status, expected):
    response = world.client_for(Role.OWNER).get(reverse("billing:invoices"), {"status": status})
    names = {
        name
        for name, invoice in invoices.items()
        if invoice.pk in {i.pk for i in response.context["invoices"]}
    }
    assert names == expected


def test_detail_shows_amounts_status_and_how_to_pay(world, invoices):
    client = world.client_for(Role.OWNER)
    body = client.get(reverse("billing:invoice", args=[invoices["partly"].public_id])).content.decode()
    assert "Left to pay" in body and "9,000.00" in body and "Partially paid" in body
    assert "How to pay" in body
    main = body.split('id="main"')[1].split("</main>")[0]
    # The pay button (the payments app's panel) leads to the invoice's pay page.
    assert reverse("payments:pay", args=[invoices["partly"].public_id]) in main and "Pay online" in main
    late = client.get(reverse("billing:invoice", args=[invoices["late"].public_id])).content.decode()
    assert '<span class="status overdue">Overdue</span>' in late and "The due date has passed" in late
    paid = client.get(reverse("billing:invoice", args=[invoices["paid"].public_id])).content.decode()
    assert "How to pay" not in paid


def test_pdf_and_the_last_invoice(world, invoices):
    client = world.client_for(Role.OWNER)
    Invoice.objects.filter(status__in=OPEN_STATUSES).update(status=Invoice.Status.PAID)
    pdf = f.ClientFileFactory(
        company=world.company, contact=world.user(Role.OWNER).contact, original_name="Счёт.pdf"
    )
    newest = f.InvoiceFactory(
        company=world.company, contact=pdf.contact, file=pdf, issued_on=TODAY + datetime.timedelta(days=1)
    )
    view = client.get(reverse("billing:invoice_file", args=[newest.public_id]), {"inline": "1"})
    assert view.status_code == 200 and view["Content-Disposition"].startswith("inline;")
    latest = client.get(reverse("billing:latest"))
    assert latest.status_code == 200 and latest["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%D0%A1%D1%87%D1%91%D1%82.pdf" in latest["Content-Disposition"]
    newest.file = None
    newest.save()
    assert client.get(reverse("billing:latest"))["Location"] == reverse(
        "billing:invoice", args=[newest.public_id]
    )


def test_the_last_invoice_is_the_oldest_unpaid_one_else_the_newest(world):
    """The dashboard's "Download the last invoice" once gave the paid СЧ-00006 above the overdue СЧ-00004."""
    owner = world.user(Role.OWNER).contact
    world.invoice.delete()
    client = world.client_for(Role.OWNER)
    day = lambda n: TODAY - datetime.timedelta(days=n)  # noqa: E731
    make = lambda **kw: f.InvoiceFactory(company=world.company, contact=owner, **kw)  # noqa: E731
    make(status=Invoice.Status.PAID, paid_amount=Decimal("9900"), issued_on=day(30))
    overdue = make(issued_on=day(20), due_date=day(5))
    make(status=Invoice.Status.PARTIALLY_PAID, paid_amount=Decimal("1"), issued_on=day(10))
    newest_paid = make(status=Invoice.Status.PAID, paid_amount=Decimal("9900"), issued_on=day(1))
    make(status=Invoice.Status.CANCELLED, issued_on=TODAY)

    latest = lambda: client.get(reverse("billing:latest"))["Location"]  # noqa: E731  (no PDFs: the page)
    assert latest() == reverse("billing:invoice", args=[overdue.public_id])
    Invoice.objects.filter(status__in=OPEN_STATUSES).update(status=Invoice.Status.PAID)
    assert latest() == reverse("billing:invoice", args=[newest_paid.public_id])
