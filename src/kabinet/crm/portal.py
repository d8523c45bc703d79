"""What the CRM contributes to the client portal: navigation entries, the current-orders card, links."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kabinet.core.counting import scalar
from kabinet.core.i18n import columns
from kabinet.core.registry import (
    DashboardCard,
    NavItem,
    register_card,
    register_nav,
    register_object_link,
)
from kabinet.crm.models import Stage
from kabinet.crm.selectors import orders_visible_to

CARD_ORDERS = 5


def current_orders_card(request: HttpRequest) -> dict[str, Any]:
    """The viewer's open orders with their stage in plain words, newest first, and how many there are.

    One query: the count rides along as a scalar subquery over the same filter (``core.counting``).
    """
    current = orders_visible_to(request.viewer).filter(stage__kind=Stage.Kind.OPEN)
    rows = list(
        current.only(
            "public_id",
            "number",
            "title",
            "amount",
            "currency",
            "created_at",
            "due_date",
            *columns("stage__client_name", "stage__client_description"),
            "stage__color",
            "stage__kind",
            "stage__asks_client",
            "pipeline__id",
        )
        .annotate(total=scalar(current))
        .order_by("-created_at", "-id")[:CARD_ORDERS]
    )
    return {"orders": rows, "total": rows[0].total if rows else 0}


def register() -> None:
    register_nav(NavItem(key="orders", label=_("Orders"), url_name="crm:orders", order=10))
    register_nav(NavItem(key="history", label=_("History"), url_name="crm:history", order=60))
    register_nav(NavItem(key="profile", label=_("My data"), url_name="crm:profile", order=80))
    register_card(
        DashboardCard(key="orders", template="crm/cards/orders.html", context=current_orders_card, order=10)
    )
    register_object_link("crm.order", "crm:order")
    register_object_link("crm.company", "crm:company")
