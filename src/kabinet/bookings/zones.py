"""The client's own time zone: his browser tells it (``static/bookings/zone.js`` keeps the IANA name in the
``kabinet_tz`` cookie); pages show the branch's time and, where it differs, his. Nothing trusts the cookie
further than "a known zone name"."""

from __future__ import annotations

import datetime
import functools
import zoneinfo
from typing import Any
from urllib.parse import unquote

from babel.core import UnknownLocaleError
from babel.dates import get_timezone, get_timezone_location
from django.utils import translation
from django.utils.translation import gettext

ZONE_COOKIE = "kabinet_tz"


@functools.cache
def _known() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def zone_name(value: str) -> str:
    """``value`` when it is a known IANA zone name, else ``""``."""
    value = unquote((value or "")[:100])[:64]  # the script writes it URL-encoded (Europe%2FWarsaw)
    return value if value in _known() else ""


def client_zone(request: Any) -> str:
    """The zone the visitor's browser reported, or ``""``."""
    return zone_name(request.COOKIES.get(ZONE_COOKIE, ""))


def differs(name: str, branch_zone: str, moment: datetime.datetime | None = None) -> bool:
    """Whether clocks in ``name`` and ``branch_zone`` show different times at ``moment`` (now by default):
    Europe/Minsk and Europe/Moscow do not, though the names differ."""
    if not name or name == branch_zone:
        return False
    moment = moment or datetime.datetime.now(datetime.UTC)
    return (
        moment.astimezone(zoneinfo.ZoneInfo(name)).utcoffset()
        != moment.astimezone(zoneinfo.ZoneInfo(branch_zone)).utcoffset()
    )


def zone_context(request: Any, branch: Any) -> dict[str, str]:
    """``client_zone`` for a page: the visitor's zone when it differs from the branch's, else empty."""
    name = client_zone(request)
    return {"client_zone": name if differs(name, branch.time_zone) else ""}


@functools.lru_cache(maxsize=512)
def _city(name: str, language: str) -> str:
    try:
        locale = translation.to_locale(language or "en")
        return get_timezone_location(get_timezone(name), locale=locale, return_city=True)
    except (LookupError, UnknownLocaleError, ValueError):
        return name


def zone_label(name: str) -> str:
    """The zone in words in the active language, after its city as CLDR (Babel) names it: "Moscow time",
    "время: Москва", "czas: Warszawa" — for every zone, not a table of our own; an unknown name as it is."""
    if not name:
        return ""
    return gettext("%(city)s time") % {"city": _city(name, translation.get_language() or "en")}
