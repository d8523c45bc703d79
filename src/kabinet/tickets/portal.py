"""What tickets contribute to the client portal: the navigation entry (with the staff-chosen label and the
open-tickets badge), the dashboard card and the "New request" quick action."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from kabinet.core.registry import (
    DashboardCard,
    NavItem,
    QuickAction,
    register_card,
    register_nav,
    register_quick_action,
)
from kabinet.tickets.conf import ticket_settings
from kabinet.tickets.selectors import open_tickets_count, open_tickets_summary


def _label() -> str:
    return ticket_settings().display_label


tickets_label = lazy(_label, str)


_COUNT_ATTR = "_kabinet_open_tickets"


def open_badge(request: HttpRequest) -> int | None:
    """The number of open tickets beside the navigation entry: one query, none when the dashboard card
    of the same request already counted them."""
    count = getattr(request, _COUNT_ATTR, None)
    if count is None:
        count = open_tickets_count(request.viewer)
        setattr(request, _COUNT_ATTR, count)
    return count or None


def open_tickets_card(request: HttpRequest) -> dict[str, Any] | None:
    """The open tickets and the most recently active of them (one query)."""
    if not request.viewer.is_client:
        return None
    total, tickets = open_tickets_summary(request.viewer)
    setattr(request, _COUNT_ATTR, total)
    return {"total": total, "tickets": tickets, "config": ticket_settings()}


def new_ticket_url(request: HttpRequest) -> str | None:
    return reverse("tickets:new") if request.viewer.is_client else None


def register() -> None:
    register_nav(
        NavItem(key="tickets", label=tickets_label(), url_name="tickets:list", order=30, badge=open_badge)
    )
    register_card(
        DashboardCard(
            key="tickets", template="tickets/cards/open_tickets.html", context=open_tickets_card, order=30
        )
    )
    register_quick_action(
        QuickAction(key="tickets.new", label=_("New request"), url=new_ticket_url, order=20)
    )
