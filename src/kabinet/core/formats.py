"""Money and numbers in the reader's language (Babel's CLDR data): «56 000,00 ₽», «56,000.00 RUB»."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import format_currency, format_decimal, get_currency_symbol
from django.conf import settings
from django.utils.translation import get_language, to_locale

Amount = Decimal | int | float | str


def current_locale() -> str:
    return to_locale(get_language() or settings.LANGUAGE_CODE)


def _decimal(value: Amount) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def format_money(amount: Amount | None, currency: str | None = None) -> str:
    """``format_money("56000.00", "RUB")`` → «56 000,00 ₽» in Russian, «56,000.00 RUB» in English."""
    if amount is None or amount == "":
        return ""
    value = _decimal(amount)
    if value is None or not value.is_finite():
        return str(amount)  # written by hand somewhere: shown as it is rather than failing the page
    return _formatted_money(str(value), currency or settings.KABINET_DEFAULT_CURRENCY, current_locale())


# Babel parses the locale's pattern on every call (about 0.2 ms): a list page of 20 amounts paid 4 ms for it.
# The text depends only on the amount, the currency and the language, and pages show the same amounts again
# and again, so the answers are kept (a bounded cache per process), keyed by the amount's text: 1.5 and 1.50
# are equal Decimals but not the same text.
@lru_cache(maxsize=4096)
def _formatted_money(amount: str, code: str, locale: str) -> str:
    value = Decimal(amount)
    if get_currency_symbol(code, locale=locale) == code:
        # Where the language has no symbol for the currency, the code reads better after the number.
        return format_currency(value, code, format="#,##0.00\xa0¤", locale=locale, currency_digits=False)
    return format_currency(value, code, locale=locale)


def format_number(value: Amount | None) -> str:
    """``format_number(12500.5)`` → «12 500,5» in Russian and Polish, «12,500.5» in English."""
    if value is None or value == "":
        return ""
    number = _decimal(value)
    if number is None or not number.is_finite():
        return str(value)
    return _formatted_number(str(number), current_locale())


@lru_cache(maxsize=4096)
def _formatted_number(number: str, locale: str) -> str:
    return format_decimal(Decimal(number), locale=locale)
