"""Formatting for the user's language: money with its currency, and plural-aware counts."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import template
from django.utils.formats import date_format

from kabinet.core.formats import format_money, format_number

register = template.Library()


@register.filter
def money(amount: Decimal | int | float | None, currency: str | None = None) -> str:
    """``{{ order.amount|money:order.currency }}`` → «12 500,00 ₽» in Russian, «12,500.00 RUB» in English."""
    return format_money(amount, currency)


@register.filter
def number(value: Decimal | int | float | None) -> str:
    return format_number(value)


@register.filter
def isodate(value: str | datetime.date | None) -> str:
    """``{{ params.due_date|isodate }}`` (a notice keeps dates as ISO text) → «9 декабря 2026 г.», «Dec. 9, 2026»;
    text that is not a date is shown as it is."""
    if isinstance(value, datetime.date):
        return date_format(value, "DATE_FORMAT")
    try:
        return date_format(datetime.date.fromisoformat(str(value or "")), "DATE_FORMAT")
    except ValueError:
        return str(value or "")
