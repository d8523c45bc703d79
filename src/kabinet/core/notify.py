"""The notification contract every domain calls: "tell this client that this happened".

Domains (orders, documents, invoices, tickets, chat) call :func:`notify` from their actions. Delivery — the
in-app centre, email, web push, Telegram, SMS, with the client's preferences and batching — belongs to the
notifications app, which installs itself as the backend with :func:`set_backend`. Without a backend (or in a
test that does not care) notifications are dropped, so domain code never depends on how they travel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class Notice:
    """What happened, for whom, and where to look.

    ``event`` is a stable code (``order.stage_changed``, ``document.issued``, ``invoice.issued``,
    ``ticket.replied``, ``message.received``); ``params`` fill the event's translated sentence; ``url`` is the
    portal path that shows the object; ``subject_public_id`` lets the centre group or mark notices.
    ``contact_id`` is the recipient; to tell several people (a company's admins), send one notice each.
    """

    event: str
    contact_id: int
    company_id: int | None = None
    url: str = ""
    subject_public_id: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    # Channels the domain already delivered itself, which the backend must not repeat (tickets, for one,
    # send each agent reply by email with a reply-to address of their own).
    channels_done: frozenset[str] = frozenset()


@dataclass(frozen=True)
class EventKind:
    """One kind of notice: its label in the preferences, its sentence, its default outside channels.

    ``sentence`` uses the notice's params (``%(name)s``); when a param is missing the ``label`` is shown.
    ``grouped`` kinds collect events on one unread row per subject and go out after a short delay, once
    per batch (chat messages, an order's stage steps); the others go out at once. ``group_within`` (seconds)
    limits the grouping to events that come close together: a stage reached next week is a notice of its own.
    Each app declares the kinds it sends in its ``events.py`` and registers them from ``AppConfig.ready()``,
    so a kind is known before anything is sent.
    """

    code: str
    label: str | Promise
    sentence: str | Promise
    defaults: frozenset[str] = frozenset()
    grouped: bool = False
    group_within: int | None = None
    order: int = 100


_KINDS: dict[str, EventKind] = {}


def register_event_kinds(*kinds: EventKind) -> None:
    for kind in kinds:
        _KINDS[kind.code] = kind


def event_kind(code: str) -> EventKind:
    """The registered kind, or a stand-in that reads as the code itself (a test keeps every sent code known)."""
    return _KINDS.get(code) or EventKind(code=code, label=code, sentence=code)


def event_kinds() -> list[EventKind]:
    return sorted(_KINDS.values(), key=lambda kind: (kind.order, kind.code))


_backend: Callable[[Notice], None] | None = None


def set_backend(backend: Callable[[Notice], None] | None) -> None:
    global _backend
    _backend = backend


def notify(notice: Notice) -> None:
    """Hand a notice to the delivery backend. Call inside the action's transaction: the backend stores the
    in-app notice in the same transaction and schedules outside deliveries with ``transaction.on_commit``."""
    if _backend is not None:
        _backend(notice)
