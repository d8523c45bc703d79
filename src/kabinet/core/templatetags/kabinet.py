"""Formatting for the user's language: money with its currency, and plural-aware counts."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency, format_decimal, get_currency_symbol
from django import template
from django.conf import settings
from django.utils.translation import get_language, to_locale

register = template.Library()


def _locale() -> str:
    return to_locale(get_language() or settings.LANGUAGE_CODE)


@register.filter
def money(amount: Decimal | int | float | None, currency: str | None = None) -> str:
    """``{{ order.amount|money:order.currency }}`` → «12 500,00 ₽» in Russian, «12,500.00 RUB» in English."""
    if amount is None:
        return ""
    code = currency or settings.KABINET_DEFAULT_CURRENCY
    locale = _locale()
    if get_currency_symbol(code, locale=locale) == code:
        # Where the language has no symbol for the currency, the code reads better after the number.
        return format_currency(amount, code, format="#,##0.00\xa0¤", locale=locale, currency_digits=False)
    return format_currency(amount, code, locale=locale)


@register.filter
def number(value: Decimal | int | float | None) -> str:
    if value is None:
        return ""
    return format_decimal(value, locale=_locale())
