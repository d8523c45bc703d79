"""The client timeline: recording entries, and rendering them in the reader's language.

Entries store an event code and its parameters, not a sentence, so a Russian client and an English one
read the same history in their own language. Each domain registers the sentences of its events.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.functional import Promise

from kabinet.core.i18n import localize
from kabinet.core.notify import register_event_kinds
from kabinet.crm.models import Company, Contact, TimelineEntry

_EVENT_TEXTS: dict[str, Promise] = {}


def register_events(texts: dict[str, Promise]) -> None:
    """Register ``event code → lazily translated sentence with %(name)s placeholders``."""
    _EVENT_TEXTS.update(texts)


def registered_events() -> frozenset[str]:
    return frozenset(_EVENT_TEXTS)


def register_app_events(events: ModuleType) -> None:
    """Register an app's ``events`` module: its ``TIMELINE`` sentences and its ``NOTICES`` kinds. Called from
    each ``AppConfig.ready()``, so the sentences exist whatever the process imported (a worker, a shell)."""
    register_events(getattr(events, "TIMELINE", {}))
    register_event_kinds(*getattr(events, "NOTICES", ()))


def render_entry(entry: TimelineEntry) -> str:
    template = _EVENT_TEXTS.get(entry.event)
    if template is None:
        return entry.event
    try:
        return str(template) % localize(entry.data)
    except (KeyError, TypeError, ValueError):
        return str(template)


def record_timeline(
    *,
    event: str,
    kind: str,
    subject: models.Model | None,
    company: Company | None,
    contact: Contact | None,
    actor: Any = None,
    client_visible: bool = True,
    **data: Any,
) -> TimelineEntry:
    """Append one entry to the history of ``company``/``contact``. Call it from actions only."""
    return TimelineEntry.objects.create(
        event=event,
        kind=kind,
        company=company,
        contact=contact,
        actor=actor if getattr(actor, "pk", None) else None,
        subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
        subject_id=subject.pk if subject is not None else None,
        subject_public_id=getattr(subject, "public_id", "") if subject is not None else "",
        client_visible=client_visible,
        data=data,
    )
