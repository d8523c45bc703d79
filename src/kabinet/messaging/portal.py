"""What the chat contributes to the portal: the Messages entry with its badge, the dashboard card and
the "Write to my manager" quick action."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kabinet.core.registry import (
    DashboardCard,
    NavItem,
    QuickAction,
    register_card,
    register_nav,
    register_quick_action,
)
from kabinet.messaging.selectors import my_conversation, unread_messages


def messages_card(request: HttpRequest) -> dict[str, Any]:
    """Unread count and the last message (one query, shared with the navigation badge)."""
    return {"conversation": my_conversation(request), "unread": unread_messages(request)}


def register() -> None:
    register_nav(
        NavItem(
            key="messages",
            label=_("Messages"),
            url_name="messaging:chat",
            order=70,
            badge=lambda request: unread_messages(request) or None,
        )
    )
    register_card(
        DashboardCard(
            key="messages", template="messaging/cards/messages.html", context=messages_card, order=5
        )
    )
    register_quick_action(
        QuickAction(
            key="write_to_manager",
            label=_("Write to my manager"),
            url=lambda request: reverse("messaging:chat") if request.viewer.is_client else None,
            order=20,
        )
    )
