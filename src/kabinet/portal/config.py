"""The portal settings as every page reads them: one cached snapshot, at most one query when the cache is cold.

Every page needs the branding, the orders label and the navigation, so the snapshot lives in the shared
cache (local memory in embedded mode, Redis in scaled mode). ``portal.actions`` drops it when staff save,
immediately and again after the commit, so no reader keeps a value from before the change.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kabinet.core.i18n import default_language, pick, translations
from kabinet.portal.models import OrdersLabel, PortalSettings

CACHE_KEY = "kabinet:portal-config:2"  # 2: staff texts kept in every language
CACHE_SECONDS = 300  # a safety net for local-memory caches of other processes; saves drop it at once
DEFAULT_TITLE = "Kabinet"


@dataclass(frozen=True)
class NavSetting:
    key: str
    labels: dict[str, str] = field(default_factory=dict)  # staff's own label per language
    hidden: bool = False
    url: str = ""  # only for staff-added links

    @property
    def label(self) -> str:
        return pick(self.labels)


@dataclass(frozen=True)
class PortalConfig:
    # Staff-typed texts are kept in every language ({"ru": …, "en": …}); the properties read the reader's.
    titles: dict[str, str] = field(default_factory=dict)
    logo_version: str = ""
    logo_type: str = ""
    favicon_version: str = ""
    favicon_type: str = ""
    brand_color: str = "#2563eb"
    brand_text_color: str = "#ffffff"
    background_color: str = "#f3f4f6"
    support_email: str = ""
    support_phone: str = ""
    orders_label: str = OrdersLabel.ORDERS
    orders_labels_plural: dict[str, str] = field(default_factory=dict)
    orders_labels_singular: dict[str, str] = field(default_factory=dict)
    navigation: tuple[NavSetting, ...] = field(default_factory=tuple)

    @property
    def title(self) -> str:
        return pick(self.titles) or DEFAULT_TITLE

    @property
    def orders_label_plural(self) -> str:
        return pick(self.orders_labels_plural)

    @property
    def orders_label_singular(self) -> str:
        return pick(self.orders_labels_singular)

    @property
    def has_custom_colours(self) -> bool:
        return (self.brand_color, self.brand_text_color, self.background_color) != (
            "#2563eb",
            "#ffffff",
            "#f3f4f6",
        )


def _version(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:12] if name else ""


def snapshot(row: PortalSettings | None) -> PortalConfig:
    if row is None:
        return PortalConfig()
    navigation = tuple(
        NavSetting(
            key=str(item.get("key", "")),
            labels=stored_labels(item.get("label")),
            hidden=bool(item.get("hidden", False)),
            url=str(item.get("url", "") or ""),
        )
        for item in (row.navigation or [])
        if isinstance(item, dict) and item.get("key")
    )
    return PortalConfig(
        titles=translations(row, "title"),
        logo_version=_version(row.logo.name),
        logo_type=row.logo_type,
        favicon_version=_version(row.favicon.name),
        favicon_type=row.favicon_type,
        brand_color=row.brand_color,
        brand_text_color=row.brand_text_color,
        background_color=row.background_color,
        support_email=row.support_email,
        support_phone=row.support_phone,
        orders_label=row.orders_label,
        orders_labels_plural=translations(row, "orders_label_plural"),
        orders_labels_singular=translations(row, "orders_label_singular"),
        navigation=navigation,
    )


def stored_labels(value: Any) -> dict[str, str]:
    """A menu label as saved: ``{"ru": …, "en": …}``, or one text (saved before labels had languages),
    which then reads the same in every language."""
    if isinstance(value, dict):
        return {str(code): str(text) for code, text in value.items() if text}
    return {default_language(): str(value)} if value else {}


def portal_config() -> PortalConfig:
    """The current settings: from the cache, else one query (the row may not exist: then the defaults)."""
    config = cache.get(CACHE_KEY)
    if config is None:
        config = snapshot(PortalSettings.objects.filter(pk=PortalSettings.SINGLETON_PK).first())
        cache.set(CACHE_KEY, config, CACHE_SECONDS)
    return config


def forget_portal_config() -> None:
    cache.delete(CACHE_KEY)


# --- What clients call orders -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderWords:
    """Every phrase the portal needs for orders, in the reader's language.

    Russian adjectives and cases differ by word, so each built-in choice carries whole phrases; staff's own
    words are used only where grammar allows (headings), with neutral sentences elsewhere.
    """

    plural: Any
    singular: Any
    current: Any
    empty: Any
    all: Any


_BUILT_IN_WORDS: dict[str, OrderWords] = {
    OrdersLabel.ORDERS: OrderWords(
        plural=pgettext_lazy("orders label", "Orders"),
        singular=pgettext_lazy("orders label", "Order"),
        current=pgettext_lazy("orders label", "Current orders"),
        empty=pgettext_lazy("orders label", "You have no orders yet."),
        all=pgettext_lazy("orders label", "All orders"),
    ),
    OrdersLabel.DEALS: OrderWords(
        plural=pgettext_lazy("orders label", "Deals"),
        singular=pgettext_lazy("orders label", "Deal"),
        current=pgettext_lazy("orders label", "Current deals"),
        empty=pgettext_lazy("orders label", "You have no deals yet."),
        all=pgettext_lazy("orders label", "All deals"),
    ),
    OrdersLabel.PROJECTS: OrderWords(
        plural=pgettext_lazy("orders label", "Projects"),
        singular=pgettext_lazy("orders label", "Project"),
        current=pgettext_lazy("orders label", "Current projects"),
        empty=pgettext_lazy("orders label", "You have no projects yet."),
        all=pgettext_lazy("orders label", "All projects"),
    ),
    OrdersLabel.REQUESTS: OrderWords(
        plural=pgettext_lazy("orders label", "Requests"),
        singular=pgettext_lazy("orders label", "Request"),
        current=pgettext_lazy("orders label", "Current requests"),
        empty=pgettext_lazy("orders label", "You have no requests yet."),
        all=pgettext_lazy("orders label", "All requests"),
    ),
}


def order_words(config: PortalConfig) -> OrderWords:
    if config.orders_label == OrdersLabel.CUSTOM and config.orders_label_plural:
        plural = config.orders_label_plural
        return OrderWords(
            plural=plural,
            singular=config.orders_label_singular or plural,
            current=plural,
            empty=_("Nothing here yet."),
            all=plural,
        )
    return _BUILT_IN_WORDS.get(config.orders_label, _BUILT_IN_WORDS[OrdersLabel.ORDERS])
