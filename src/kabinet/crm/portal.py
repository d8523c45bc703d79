"""What the CRM contributes to the client portal: the orders navigation entry and dashboard card."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kabinet.core.registry import DashboardCard, NavItem, register_card, register_nav
from kabinet.crm.selectors import orders_visible_to

ORDERS_PER_PAGE = 20


def orders_card(request: HttpRequest) -> dict[str, Any]:
    """The viewer's orders with their current stage, newest first, paginated (two queries)."""
    orders = orders_visible_to(request.viewer).only(
        "public_id",
        "number",
        "title",
        "amount",
        "currency",
        "created_at",
        "due_date",
        "stage__client_name",
        "stage__client_description",
        "stage__color",
        "stage__kind",
        "pipeline__id",
    )
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return {"page": page, "orders": page.object_list}


def register() -> None:
    register_nav(NavItem(key="home", label=_("Home"), url_name="portal:home", order=0))
    register_card(
        DashboardCard(key="orders", template="crm/cards/orders.html", context=orders_card, order=10)
    )
