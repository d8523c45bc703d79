"""How notices read: the kinds come from the apps that send them, registered in ``kabinet.core.notify``.

Domains send notices with a stable event code (see ``kabinet.core.notify``) and declare each code's label,
sentence and default channels in their own ``events.py`` (registered from ``AppConfig.ready()``). Unknown
codes still reach the centre and read as the code itself; ``notifications/tests/test_events.py`` fails when
an action sends a code no app registered.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kabinet.core.i18n import localize
from kabinet.core.notify import EventKind, event_kind, event_kinds, register_event_kinds

IN_APP = "inapp"

__all__ = ["IN_APP", "EventKind", "event_kind", "event_kinds", "notice_text", "register_event_kinds"]


def notice_text(code: str, params: dict[str, Any], count: int = 1) -> str:
    """The notice as one sentence in the active language."""
    if code == "message.received" and count > 1:
        return ngettext(
            "%(count)s new messages from %(author)s",
            "%(count)s new messages from %(author)s",
            count,
        ) % {"count": count, "author": params.get("author") or _("your manager")}
    kind = event_kind(code)
    try:
        return str(kind.sentence) % localize(params)
    except (KeyError, TypeError, ValueError):
        return str(kind.label)
