"""Kinds of notice the centre knows: their label in the preferences, their sentence, their default channels.

Domains send notices with a stable event code (see ``kabinet.core.notify``); this table says how each kind
reads and which outside channels it uses unless the client chose otherwise. Unknown codes still reach the
centre and read as the code itself, so a domain can start notifying before its kind is registered here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kabinet.core.i18n import localize

IN_APP = "inapp"


@dataclass(frozen=True)
class EventKind:
    """One kind of notice.

    ``sentence`` uses the notice's params (``%(name)s``); when a param is missing the ``label`` is shown.
    ``grouped`` kinds collect events on one unread row per subject and go out after a short delay, once
    per batch (chat messages); the others go out at once.
    """

    code: str
    label: str | Promise
    sentence: str | Promise
    defaults: frozenset[str] = frozenset()
    grouped: bool = False
    order: int = 100


_KINDS: dict[str, EventKind] = {}


def register_event_kind(kind: EventKind) -> None:
    _KINDS[kind.code] = kind


def event_kind(code: str) -> EventKind:
    return _KINDS.get(code) or EventKind(code=code, label=code, sentence=code)


def event_kinds() -> list[EventKind]:
    return sorted(_KINDS.values(), key=lambda kind: (kind.order, kind.code))


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


for _kind in (
    EventKind(
        code="message.received",
        label=_("New messages from the manager"),
        sentence=_("%(author)s wrote to you"),
        defaults=frozenset({"email", "webpush"}),
        grouped=True,
        order=10,
    ),
    EventKind(
        code="order.stage_changed",
        label=_("Order moved to another stage"),
        sentence=_("Order №%(number)s moved to the stage “%(stage)s”"),
        defaults=frozenset({"email"}),
        order=20,
    ),
    EventKind(
        code="document.awaiting_signature",
        label=_("Document awaits your signature"),
        sentence=_("The document “%(title)s” awaits your signature"),
        defaults=frozenset({"email", "webpush"}),
        order=30,
    ),
    EventKind(
        code="document.issued",
        label=_("New document"),
        sentence=_("New document: “%(title)s”"),
        defaults=frozenset(),
        order=40,
    ),
    EventKind(
        code="invoice.issued",
        label=_("Invoice issued"),
        sentence=_("Invoice №%(number)s was issued"),
        defaults=frozenset({"email"}),
        order=50,
    ),
    EventKind(
        code="ticket.replied",
        label=_("Reply to your request"),
        sentence=_("New reply in request #%(number)s"),
        defaults=frozenset({"email", "webpush"}),
        order=60,
    ),
):
    register_event_kind(_kind)
