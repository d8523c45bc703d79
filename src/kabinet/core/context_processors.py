from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from kabinet.core.registry import nav_items


def portal(request: HttpRequest) -> dict[str, Any]:
    """What every page's layout needs: the viewer, the portal's name and the navigation."""
    viewer = getattr(request, "viewer", None)
    nav = []
    if viewer is not None and viewer.is_client:
        current = request.path
        for item in nav_items():
            if item.visible is not None and not item.visible(request):
                continue
            url = reverse(item.url_name)
            nav.append(
                {
                    "key": item.key,
                    "label": item.label,
                    "url": url,
                    "badge": item.badge(request) if item.badge else None,
                    "current": current == url or (url != "/" and current.startswith(url)),
                }
            )
    return {
        "viewer": viewer,
        "portal_title": getattr(settings, "KABINET_PORTAL_TITLE", "Kabinet"),
        "nav": nav,
    }
