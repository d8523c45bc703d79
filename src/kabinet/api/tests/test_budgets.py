"""Every API list and detail costs a fixed number of queries, whatever the amount of data.

Each endpoint is measured with a few rows and again after bulk-loading many more; the counts must be equal
and within the budget. (10,000 rows per table is what ``bench/`` measures for time; here the point is the
count, which a page of 100 out of 2,000 rows shows as well as one out of 10,000.)
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kabinet.api.actions import issue_api_key
from kabinet.api.models import RESOURCES, WRITE
from kabinet.billing.models import Invoice
from kabinet.crm.models import Order, OrderItem

pytestmark = pytest.mark.django_db

MANY = 2000
# authentication (key lookup + last-used update) + rate-limit cache (no SQL) + the page (+1 per expand)
BUDGETS = {
    "/api/v1/orders": 3,
    "/api/v1/orders?expand=items": 4,
    "/api/v1/invoices": 3,
    "/api/v1/documents": 3,
    "/api/v1/tickets": 3,
    "/api/v1/messages": 3,
    "/api/v1/timeline": 3,
    "/api/v1/contacts": 3,
    "/api/v1/companies": 3,
}
CLIENT_BUDGETS = {
    "/api/v1/me/orders": 4,  # + the viewer (the client's contact and companies)
    "/api/v1/me/orders?expand=items": 5,
    "/api/v1/me/invoices": 4,
    "/api/v1/me/documents": 4,
    "/api/v1/me/tickets": 4,  # the portal's ticket settings come from the cache
    "/api/v1/me/messages": 4,
    "/api/v1/me/timeline": 4,
}


def _load(world, count: int) -> None:
    stage = world.order.stage
    orders = Order.objects.bulk_create(
        Order(
            number=f"B{i:06d}",
            title=f"Bulk {i}",
            company=world.company,
            contact=world.order.contact,
            pipeline=stage.pipeline,
            stage=stage,
            amount=Decimal("10.00"),
        )
        for i in range(count)
    )
    OrderItem.objects.bulk_create(OrderItem(order=o, name="item", price=Decimal("1")) for o in orders)
    Invoice.objects.bulk_create(
        Invoice(number=f"BI{i:06d}", company=world.company, contact=world.order.contact, amount=Decimal("5"))
        for i in range(count)
    )


def _count(client: Client, path: str, headers: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(path, {"limit": 100}, headers=headers)
    assert answer.status_code == 200, (path, answer.content)
    return len(queries)


def test_integrator_pages_hold_their_budget_at_any_size(world):
    key = issue_api_key(actor=world.users["staff"], name="budget", scopes=dict.fromkeys(RESOURCES, WRITE)).key
    headers, client = {"Authorization": f"Bearer {key}"}, Client()
    few = {path: _count(client, path, headers) for path in BUDGETS}
    _load(world, MANY)
    many = {path: _count(client, path, headers) for path in BUDGETS}
    assert many == few
    assert {p: n for p, n in many.items() if n > BUDGETS[p]} == {}


def test_client_pages_hold_their_budget_at_any_size(world):
    owner = world.users["company_admin"]
    key = issue_api_key(
        actor=world.users["staff"], name="budget", scopes=dict.fromkeys(RESOURCES, WRITE), user=owner
    ).key
    headers, client = {"Authorization": f"Bearer {key}"}, Client()
    for path in CLIENT_BUDGETS:  # settings read once and cached (the ticket portal settings) are warm
        _count(client, path, headers)
    few = {path: _count(client, path, headers) for path in CLIENT_BUDGETS}
    _load(world, MANY)
    many = {path: _count(client, path, headers) for path in CLIENT_BUDGETS}
    assert many == few
    assert {p: n for p, n in many.items() if n > CLIENT_BUDGETS[p]} == {}
