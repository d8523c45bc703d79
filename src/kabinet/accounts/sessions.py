"""The person's own sign-in sessions as the sessions page shows them: device, browser, place, last activity.

allauth's ``UserSession`` rows say which sessions an account has (key, IP, User-Agent, sign-in time); the
session data says when it was last used (``session_policy.SEEN_AT_KEY``, stamped at most once a minute).
The page never shows a session key: each session is named by a one-way handle derived from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib import import_module

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from kabinet.accounts import session_policy
from kabinet.accounts.models import User

DB_ENGINE = "django.contrib.sessions.backends.db"


@dataclass(frozen=True)
class Device:
    """What a User-Agent string says, in words a person recognises."""

    kind: str  # "phone", "tablet", "computer", "unknown"
    device: str  # "iPhone", "Samsung SM-S918B", "" when the string does not say
    system: str  # "iOS 17.4", "Windows 10"
    browser: str  # "Mobile Safari 17.4", "Chrome 130"

    @property
    def label(self) -> str:
        parts = [p for p in (self.browser, self.system) if p]
        return " · ".join(parts) or _("Unknown browser")


def _version(family: str, major: str | None, minor: str | None) -> str:
    if not family or family == "Other":
        return ""
    return " ".join(p for p in (family, ".".join(v for v in (major, minor) if v)) if p)


def describe_user_agent(user_agent: str) -> Device:
    """Device, system and browser from a User-Agent string (ua-parser, the Browserscope rules)."""
    from ua_parser import parse

    if not user_agent:
        return Device(kind="unknown", device="", system="", browser="")
    result = parse(user_agent[:1000])  # a User-Agent longer than that is noise; parsing it costs time
    agent, system_info, hardware = result.user_agent, result.os, result.device
    browser = _version(agent.family, agent.major, agent.minor) if agent else ""
    system = _version(system_info.family, system_info.major, system_info.minor) if system_info else ""
    device = hardware.family if hardware and hardware.family not in ("Other", "Spider") else ""
    text = user_agent.lower()
    if "ipad" in text or "tablet" in text or ("android" in text and "mobile" not in text):
        kind = "tablet"
    elif "mobi" in text or "iphone" in text:
        kind = "phone"
    elif system or browser:
        kind = "computer"
    else:
        kind = "unknown"
    return Device(kind=kind, device=device, system=system, browser=browser)


def session_handle(session_key: str) -> str:
    """A stable, one-way name for a session in forms (the key itself never reaches a page)."""
    return salted_hmac("kabinet.accounts.session", session_key).hexdigest()[:24]


@dataclass(frozen=True)
class SessionRow:
    handle: str
    is_current: bool
    device: Device
    ip: str
    signed_in_at: datetime
    last_active_at: datetime | None


def _session_data(keys: list[str]) -> dict[str, dict]:
    """The stored data of the sessions that still exist: one query with the database engine."""
    if not keys:
        return {}
    if settings.SESSION_ENGINE == DB_ENGINE:
        from django.contrib.sessions.models import Session

        rows = Session.objects.filter(session_key__in=keys, expire_date__gt=timezone.now())
        return {row.session_key: row.get_decoded() for row in rows}
    engine = import_module(settings.SESSION_ENGINE)
    found = {}
    for key in keys:  # a cache-backed store (Redis): no SQL
        store = engine.SessionStore(key)
        data = store.load()
        if data:
            found[key] = data
    return found


def sessions_of(user: User, *, current_key: str | None) -> list[SessionRow]:
    """The live sessions of ``user`` (only his own), the current one first, then by last activity.

    Two queries whatever the number of sessions (three when rows of ended sessions are cleaned up).
    """
    rows = list(UserSession.objects.filter(user=user))
    data = _session_data([row.session_key for row in rows])
    gone = [row.pk for row in rows if str(data.get(row.session_key, {}).get("_auth_user_id")) != str(user.pk)]
    if gone:
        UserSession.objects.filter(pk__in=gone).delete()  # signed out, expired or of someone else now
    result = []
    for row in rows:
        if row.pk in gone:
            continue
        seen = data[row.session_key].get(session_policy.SEEN_AT_KEY)
        result.append(
            SessionRow(
                handle=session_handle(row.session_key),
                is_current=row.session_key == current_key,
                device=describe_user_agent(row.user_agent),
                ip=row.ip,
                signed_in_at=row.created_at,
                last_active_at=datetime.fromtimestamp(seen, tz=timezone.get_current_timezone())
                if seen
                else None,
            )
        )
    result.sort(key=lambda s: (not s.is_current, -(s.last_active_at or s.signed_in_at).timestamp()))
    return result


def session_key_for(user: User, handle: str) -> str | None:
    """The key of ``user``'s session named ``handle``, or None (unknown, or someone else's)."""
    for key in UserSession.objects.filter(user=user).values_list("session_key", flat=True):
        if session_handle(key) == handle:
            return key
    return None
