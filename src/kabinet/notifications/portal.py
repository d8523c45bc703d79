"""What the notification centre contributes to the portal: its navigation entry and dashboard card."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kabinet.core.registry import DashboardCard, NavItem, register_card, register_nav
from kabinet.notifications.selectors import latest_with_unread_count, unread_count


def notifications_card(request: HttpRequest) -> dict[str, Any]:
    """The latest notices and the unread total: one query (it also feeds the navigation badge)."""
    latest, unread = latest_with_unread_count(request)
    return {"notifications": latest, "unread": unread}


def register() -> None:
    register_nav(
        NavItem(
            key="notifications",
            label=_("Notifications"),
            url_name="notifications:list",
            order=80,
            badge=lambda request: unread_count(request) or None,
        )
    )
    register_card(
        DashboardCard(
            key="notifications",
            template="notifications/cards/latest.html",
            context=notifications_card,
            order=70,
        )
    )
