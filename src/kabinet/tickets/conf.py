"""The ticket portal settings as every request reads them: a frozen snapshot kept in the cache.

The settings decide what the one ticket selector returns, so every portal page reads them; caching keeps
them off the SQL query budget. Writes go through ``actions.save_ticket_settings`` (and the category
actions), which forget the snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache
from django.utils.translation import gettext

from kabinet.core.i18n import columns, pick, translations
from kabinet.tickets.models import TicketCategory, TicketSettings

CACHE_KEY = "kabinet:tickets:settings:v2"  # v2: texts in every language
CATEGORIES_KEY = "kabinet:tickets:categories:v2"
CACHE_SECONDS = 300


@dataclass(frozen=True)
class TicketPortalConfig:
    labels: dict[str, str] = field(default_factory=dict)  # staff's label per language
    pipeline_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()
    sources: frozenset[str] = frozenset()
    priorities: frozenset[str] = frozenset()
    visibility: str = TicketSettings.Visibility.CONTACT
    clients_can_reply_to_closed: bool = True
    clients_can_close: bool = True
    status_display: str = TicketSettings.StatusDisplay.SIMPLE
    portal_pipeline_id: int | None = None
    max_attachments: int = 5
    ratings_enabled: bool = True

    @property
    def label(self) -> str:
        """Staff's label in the reader's language (else the default language's), or empty."""
        return pick(self.labels).strip()

    @property
    def display_label(self) -> str:
        """The label in the reader's language when staff left it empty."""
        return self.label or gettext("Requests")

    @property
    def company_wide(self) -> bool:
        return self.visibility == TicketSettings.Visibility.COMPANY

    @property
    def show_stages(self) -> bool:
        return self.status_display == TicketSettings.StatusDisplay.STAGES


def load_ticket_settings() -> TicketPortalConfig:
    """Read the settings row (if staff ever saved one): one query, three when filters are set."""
    row = TicketSettings.objects.order_by("pk").first()
    if row is None:
        return TicketPortalConfig()
    return TicketPortalConfig(
        labels=translations(row, "label"),
        pipeline_ids=frozenset(row.pipelines.values_list("id", flat=True)),
        category_ids=frozenset(row.categories.values_list("id", flat=True)),
        sources=frozenset(row.sources or ()),
        priorities=frozenset(row.priorities or ()),
        visibility=row.visibility,
        clients_can_reply_to_closed=row.clients_can_reply_to_closed,
        clients_can_close=row.clients_can_close,
        status_display=row.status_display,
        portal_pipeline_id=row.portal_pipeline_id,
        max_attachments=row.max_attachments,
        ratings_enabled=row.ratings_enabled,
    )


def ticket_settings() -> TicketPortalConfig:
    """The current settings snapshot (0 queries when cached)."""
    config = cache.get(CACHE_KEY)
    if config is None:
        config = load_ticket_settings()
        cache.set(CACHE_KEY, config, CACHE_SECONDS)
    return config


def active_categories() -> tuple[tuple[int, str], ...]:
    """The categories offered to clients, (id, name in the reader's language), for the new-ticket form and
    the list filter. The cache keeps every language, so readers of each get their own words."""
    categories = cache.get(CATEGORIES_KEY)
    if categories is None:
        categories = tuple(
            (category.pk, translations(category, "name"))
            for category in TicketCategory.objects.filter(is_active=True).only("id", *columns("name"))
        )
        cache.set(CATEGORIES_KEY, categories, CACHE_SECONDS)
    return tuple((pk, pick(names)) for pk, names in categories)


def forget_ticket_settings() -> None:
    cache.delete_many([CACHE_KEY, CATEGORIES_KEY])
