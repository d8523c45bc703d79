"""Extension points of the client portal: navigation entries and dashboard cards.

Each domain app registers its own in ``AppConfig.ready()``; the portal shell renders whatever is registered,
so a new app (bookings, bonuses...) plugs in without editing the dashboard or the layout. The registry lives
in core because domains must not import the portal (DESIGN.md section 4: dependencies point one way).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    """An entry of the portal's main navigation.

    ``badge`` returns a small number to show beside the label (unread, open...) or None; it runs on every
    page, so it must cost at most one cheap query.
    """

    key: str
    label: str | Promise
    url_name: str
    order: int = 100
    badge: Callable[[HttpRequest], int | None] | None = None
    visible: Callable[[HttpRequest], bool] | None = None


@dataclass(frozen=True)
class DashboardCard:
    """A card on the start page: a template and the function that builds its context from the request.

    The whole dashboard has a budget of 10 SQL queries, so a card's ``context`` should use one query
    (two at most) through the app's viewer-scoped selectors.
    """

    key: str
    template: str
    context: Callable[[HttpRequest], dict[str, Any] | None]
    order: int = 100


@dataclass(frozen=True)
class QuickAction:
    """A one-click action on the start page ("New request", "Write to my manager", "Last invoice")."""

    key: str
    label: str | Promise
    url: Callable[[HttpRequest], str | None]  # None hides the action for this viewer
    order: int = 100


_NAV: dict[str, NavItem] = {}
_CARDS: dict[str, DashboardCard] = {}
_ACTIONS: dict[str, QuickAction] = {}


def register_nav(item: NavItem) -> None:
    _NAV[item.key] = item


def register_card(card: DashboardCard) -> None:
    _CARDS[card.key] = card


def register_quick_action(action: QuickAction) -> None:
    _ACTIONS[action.key] = action


def quick_actions() -> list[QuickAction]:
    return sorted(_ACTIONS.values(), key=lambda action: (action.order, action.key))


def nav_items() -> list[NavItem]:
    return sorted(_NAV.values(), key=lambda item: (item.order, item.key))


def dashboard_cards() -> list[DashboardCard]:
    return sorted(_CARDS.values(), key=lambda card: (card.order, card.key))


@dataclass(frozen=True)
class DetailPanel:
    """A panel another app adds to a detail page ("documents of this order", "invoices of this order").

    ``subject`` names the page (``"order"``); ``context(request, obj)`` returns the panel's context or None to
    stay hidden. Like a dashboard card it must cost at most one query, through the app's viewer-scoped selector.
    """

    key: str
    subject: str
    template: str
    context: Callable[[HttpRequest, Any], dict[str, Any] | None]
    order: int = 100


_PANELS: dict[tuple[str, str], DetailPanel] = {}
_OBJECT_LINKS: dict[str, str] = {}


def register_detail_panel(panel: DetailPanel) -> None:
    _PANELS[(panel.subject, panel.key)] = panel


def detail_panels(subject: str) -> list[DetailPanel]:
    return sorted(
        (p for (s, _k), p in _PANELS.items() if s == subject), key=lambda panel: (panel.order, panel.key)
    )


@dataclass(frozen=True)
class PdfRendition:
    """What another app adds to a PDF a client downloads (payments: the bank-transfer slip with its QR code on
    an invoice's PDF).

    ``render(obj, original)`` answers the PDF to serve, or None to serve the stored file as it is.
    ``original()`` reads the stored file's bytes (None when the object has none), only if the rendition needs
    them; the stored file itself is never changed. ``available(obj)`` tells, without a query, whether it makes
    a PDF even for an object without a stored file (so the page offers "Open the PDF"). Like a panel, it reads
    through viewer-scoped data only: the page calls it after its own selector found the object.
    """

    key: str
    subject: str
    render: Callable[[Any, Callable[[], bytes | None]], bytes | None]
    available: Callable[[Any], bool]


_RENDITIONS: dict[tuple[str, str], PdfRendition] = {}


def register_pdf_rendition(rendition: PdfRendition) -> None:
    _RENDITIONS[(rendition.subject, rendition.key)] = rendition


def pdf_renditions(subject: str) -> list[PdfRendition]:
    return [r for (s, _k), r in sorted(_RENDITIONS.items()) if s == subject]


def register_object_link(model_label: str, url_name: str) -> None:
    """Say which portal page shows objects of ``model_label`` (``"crm.order"``); the URL takes the public id.

    The history and the file archive link each entry to the object it is about without knowing the apps.
    """
    _OBJECT_LINKS[model_label.lower()] = url_name


@dataclass(frozen=True)
class ObjectAction:
    """A page of another app that acts on an object ("sign this document"), offered only where the viewer may.

    ``targets(viewer)`` is a queryset of the primary keys of the objects the viewer may act on now (a values
    list of one column, through that app's viewer-scoped selector); lists and cards ask it as a subquery of
    their own query, so offering the action costs no query. The page's URL takes the object's public id.
    """

    key: str
    url_name: str
    targets: Callable[[Any], Any]


_OBJECT_ACTIONS: dict[str, ObjectAction] = {}


def register_object_action(action: ObjectAction) -> None:
    _OBJECT_ACTIONS[action.key] = action


def object_action(key: str) -> ObjectAction | None:
    """The action registered under ``key`` (``"documents.document.sign"``), or None while no app offers it."""
    return _OBJECT_ACTIONS.get(key)


def object_url(model_label: str, public_id: str) -> str | None:
    from django.urls import NoReverseMatch, reverse

    url_name = _OBJECT_LINKS.get((model_label or "").lower())
    if not url_name or not public_id:
        return None
    try:
        return reverse(url_name, args=[public_id])
    except NoReverseMatch:
        return None
