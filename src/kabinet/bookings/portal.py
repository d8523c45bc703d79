"""What bookings contribute to the client portal: the "Bookings" entry, the "Book a service" quick action
(no query), the "Upcoming bookings" card (one query) and links from the history."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.bookings.models import OCCUPYING_STATUSES
from kabinet.bookings.selectors import bookings_visible_to
from kabinet.core.registry import (
    DashboardCard,
    NavItem,
    QuickAction,
    register_card,
    register_nav,
    register_object_link,
    register_quick_action,
)

CARD_BOOKINGS = 3


def upcoming_card(request: HttpRequest) -> dict[str, Any] | None:
    """The next bookings of the viewer's scope, soonest first (one query on the scope's start index)."""
    if not request.viewer.is_client:
        return None
    rows = list(
        bookings_visible_to(request.viewer)
        .filter(status__in=OCCUPYING_STATUSES, ends_at__gt=timezone.now())
        .select_related("service", "specialist", "branch")
        .order_by("starts_at", "id")[:CARD_BOOKINGS]
    )
    return {"bookings": rows}


def book_url(request: HttpRequest) -> str | None:
    return reverse("bookings:new") if request.viewer.is_client else None


def register() -> None:
    register_nav(NavItem(key="bookings", label=_("Bookings"), url_name="bookings:list", order=45))
    register_card(
        DashboardCard(
            key="bookings", template="bookings/cards/upcoming.html", context=upcoming_card, order=35
        )
    )
    register_quick_action(QuickAction(key="book", label=_("Book a service"), url=book_url, order=15))
    register_object_link("bookings.booking", "bookings:detail")
