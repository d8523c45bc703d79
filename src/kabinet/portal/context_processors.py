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


# The phone's bottom bar: these sections first (the ones clients open most), then the menu's next entries.
BAR_PREFERENCE = ("home", "orders", "messages", "tickets")
BAR_SIZE = 4  # plus "More" for the rest; five entries fit 360 px with their labels and badges
BELL_KEY = "notifications"  # in the compact header, as a bell with its badge


def mobile_shell(nav: list[dict[str, Any]]) -> dict[str, Any]:
    """Split the menu for phones: the bottom bar (at most five entries), the bell and the "More" sheet.

    Staff's order of the menu is kept inside the bar; a section staff hid stays hidden everywhere.
    """
    bell = next((entry for entry in nav if entry["key"] == BELL_KEY and not entry["external"]), None)
    rest = [entry for entry in nav if entry is not bell]
    if len(rest) <= BAR_SIZE + 1:
        return {"mobile_bar": rest, "mobile_more": [], "more_current": False, "bell": bell}
    wanted = [key for key in BAR_PREFERENCE if any(e["key"] == key and not e["external"] for e in rest)]
    for entry in rest:
        if len(wanted) >= BAR_SIZE:
            break
        if entry["key"] not in wanted and not entry["external"]:
            wanted.append(entry["key"])
    bar = [entry for entry in rest if entry["key"] in wanted]
    more = [entry for entry in rest if entry["key"] not in wanted]
    return {
        "mobile_bar": bar,
        "mobile_more": more,
        "more_current": any(entry["current"] for entry in more),
        "bell": bell,
    }


def portal(request: HttpRequest) -> dict[str, Any]:
    viewer = getattr(request, "viewer", None)
    config = portal_config()
    is_client = viewer is not None and viewer.is_client
    if is_client:
        nav = navigation(request, config)
    elif viewer is not None and viewer.is_staff:
        from kabinet.portal.staff import staff_navigation

        nav = staff_navigation(request)
    else:
        nav = []
    return {
        "viewer": viewer,
        "branding": config,
        "portal_title": config.title,
        "order_words": order_words(config),
        "nav": nav,
        **mobile_shell(nav),
    }
