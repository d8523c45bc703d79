"""Formatting for the user's language: money with its currency, and plural-aware counts."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency, format_decimal
from django import template
from django.conf import settings
from django.utils.translation import get_language, to_locale

register = template.Library()


def _locale() -> str:
    return to_locale(get_language() or settings.LANGUAGE_CODE)


@register.filter
def money(amount: Decimal | int | float | None, currency: str | None = None) -> str:
    """``{{ order.amount|money:order.currency }}`` → «12 500,00 ₽» in Russian, «RUB 12,500.00» in English."""
    if amount is None:
        return ""
    return format_currency(amount, currency or settings.KABINET_DEFAULT_CURRENCY, locale=_locale())


@register.filter
def number(value: Decimal | int | float | None) -> str:
    if value is None:
        return ""
    return format_decimal(value, locale=_locale())
