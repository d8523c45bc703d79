"""What every page's layout needs: the viewer, the branding, the orders label and the navigation menu."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from kabinet.core.registry import nav_items
from kabinet.portal.config import PortalConfig, order_words, portal_config

# The entry that can be neither hidden nor moved: the way back to the start page.
HOME_KEY = "home"


def navigation(request: HttpRequest, config: PortalConfig) -> list[dict[str, Any]]:
    """The registered entries in the order staff chose, with their labels, minus the hidden ones, plus links.

    Entries that staff have not placed yet (an app installed later) keep their registered order after the
    placed ones, so a new app appears without anybody editing the menu.
    """
    words = order_words(config)
    placed = {item.key: index for index, item in enumerate(config.navigation)}
    staff = {item.key: item for item in config.navigation}
    current = request.path
    entries: list[tuple[tuple[int, int, int], dict[str, Any]]] = []
    for registered_index, item in enumerate(nav_items()):
        if item.visible is not None and not item.visible(request):
            continue
        choice = staff.get(item.key)
        if choice is not None and choice.hidden and item.key != HOME_KEY:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        label = (choice.label if choice is not None else "") or (
            words.plural if item.key == "orders" else item.label
        )
        if item.key == HOME_KEY:
            rank = (0, 0, 0)
        elif item.key in placed:
            rank = (1, placed[item.key], 0)
        else:
            rank = (2, item.order, registered_index)
        entries.append(
            (
                rank,
                {
                    "key": item.key,
                    "label": label,
                    "url": url,
                    # Badges arrive after the page (portal:nav_badges), so no page pays for them.
                    "has_badge": item.badge is not None,
                    "current": current == url or (url != "/" and current.startswith(url)),
                    "external": False,
                },
            )
        )
    for index, item in enumerate(config.navigation):
        if item.url and not item.hidden:
            entries.append(
                (
                    (1, index, 0),
                    {
                        "key": item.key,
                        "label": item.label or item.url,
                        "url": item.url,
                        "has_badge": False,
                        "current": False,
                        "external": True,
                    },
                )
            )
    entries.sort(key=lambda pair: pair[0])
    return [entry for _rank, entry in entries]


def portal(request: HttpRequest) -> dict[str, Any]:
    viewer = getattr(request, "viewer", None)
    config = portal_config()
    is_client = viewer is not None and viewer.is_client
    return {
        "viewer": viewer,
        "branding": config,
        "portal_title": config.title,
        "order_words": order_words(config),
        "nav": navigation(request, config) if is_client else [],
    }
