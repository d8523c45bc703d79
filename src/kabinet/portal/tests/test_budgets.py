"""Every portal page runs a fixed number of SQL queries, whatever the amount of data (DESIGN.md section 8).

Each page is measured with the settings singletons cached (a cold cache costs one query per singleton,
checked separately) on a small world and again after adding many rows of every kind; the budget never grows
with the data.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kabinet.billing.models import Invoice
from kabinet.crm.models import OrderItem
from kabinet.crm.timeline import record_timeline
from kabinet.documents.models import Document
from kabinet.portal.config import forget_portal_config
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role
from kabinet.tickets.conf import forget_ticket_settings

pytestmark = pytest.mark.django_db

# The start page: session, user, viewer + one query per card (chat, orders, invoices, the balance and
# points, documents and signatures, tickets, bookings, notices). It is full: the next card needs a cheaper
# page (one cached summary per viewer, issue 17), not a larger budget.
HOME_BUDGET = 11
PAGE_BUDGET = 10

PAGES = {
    "home": (lambda w: reverse("portal:home"), HOME_BUDGET),
    "orders": (lambda w: reverse("crm:orders"), 7),
    "orders-filtered": (lambda w: reverse("crm:orders") + "?status=open&q=title&sort=amount_desc&page=2", 7),
    "order": (lambda w: reverse("crm:order", args=[w.order.public_id]), 9),
    "history": (lambda w: reverse("crm:history"), 6),
    "history-filtered": (lambda w: reverse("crm:history") + "?kind=order&page=2", 6),
    "documents": (lambda w: reverse("documents:list"), 6),
    "documents-filtered": (lambda w: reverse("documents:list") + "?kind=act&status=issued", 6),
    "document": (lambda w: reverse("documents:detail", args=[w.document.public_id]), 5),
    "invoices": (lambda w: reverse("billing:invoices"), 6),
    "invoices-overdue": (lambda w: reverse("billing:invoices") + "?status=overdue", 6),
    "invoice": (lambda w: reverse("billing:invoice", args=[w.invoice.public_id]), 5),
    "files": (lambda w: reverse("files:archive"), 6),
    "files-search": (lambda w: reverse("files:archive") + "?q=file&direction=out", 6),
    "profile": (lambda w: reverse("crm:profile"), 7),
    "profile-edit": (lambda w: reverse("crm:profile_edit"), 7),
    "company": (lambda w: reverse("crm:company", args=[w.company.public_id]), 6),
    "company-edit": (lambda w: reverse("crm:company_edit", args=[w.company.public_id]), 6),
    "colleagues": (lambda w: reverse("crm:colleagues"), 6),
    "glossary": (lambda w: reverse("portal:glossary"), 5),
    "more": (lambda w: reverse("portal:more"), 5),
}


def populate(world, n: int = 40) -> None:
    """Many rows of every kind in the company, for its admin to see."""
    owner = world.user(Role.OWNER).contact
    today = datetime.date.today()
    for i in range(n):
        order = f.OrderFactory(company=world.company, contact=owner)
        OrderItem.objects.create(order=world.order, name=f"Item {i}", quantity=Decimal(1), price=Decimal(10))
        f.DocumentFactory(
            company=world.company,
            contact=owner,
            order=world.order,
            kind=Document.Kind.ACT,
            status=Document.Status.AWAITING_SIGNATURE if i % 2 else Document.Status.ISSUED,
        )
        f.InvoiceFactory(
            company=world.company,
            contact=owner,
            order=world.order,
            due_date=today + datetime.timedelta(days=10 if i % 2 else -10),  # overdue and due in turn
            status=Invoice.Status.PAID if i % 3 == 0 else Invoice.Status.UNPAID,
        )
        f.ClientFileFactory(company=world.company, contact=owner)
        for subject in (order, world.order):
            record_timeline(
                event="order.created",
                kind="order",
                subject=subject,
                company=world.company,
                contact=owner,
                number=subject.number,
                title=subject.title,
            )
    for _ in range(5):
        f.client_user(company=world.company)


def count_queries(client, url: str) -> tuple[int, int]:
    # Settings singletons (portal, tickets) are configuration held in the cache; a cold cache costs one query
    # per singleton once (see test_cold_settings_cost_one_query_each). Data queries are always counted.
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response.status_code, len(queries)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_budget_does_not_grow_with_data(world, name):
    url_of, budget = PAGES[name]
    client = world.client_for(Role.COMPANY_ADMIN)
    # A few rows of every kind first: an empty list skips the queries that only run for rows (prefetches),
    # so "the same count at both sizes" compares a page with rows against the same page with many more.
    populate(world, n=3)
    status, small = count_queries(client, url_of(world))
    assert status == 200
    populate(world, n=40)
    status, large = count_queries(client, url_of(world))
    assert status == 200
    assert large <= budget <= max(PAGE_BUDGET, HOME_BUDGET), f"{name}: {large} queries (budget {budget})"
    assert small == large, f"{name}: {small} queries on a small world, {large} on a large one"


def test_cold_settings_cost_one_query_each(world):
    client = world.client_for(Role.COMPANY_ADMIN)
    url = reverse("portal:home")
    _status, warm = count_queries(client, url)
    forget_portal_config()
    forget_ticket_settings()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert len(queries) <= warm + 2
