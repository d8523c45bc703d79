from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, Any]:
    """What every page's layout needs: the viewer and the portal's name."""
    return {
        "viewer": getattr(request, "viewer", None),
        "portal_title": getattr(settings, "KABINET_PORTAL_TITLE", "Kabinet"),
    }
