"""Formatting for the user's language: money with its currency, and plural-aware counts."""

from __future__ import annotations

from decimal import Decimal

from django import template

from kabinet.core.formats import format_money, format_number

register = template.Library()


@register.filter
def money(amount: Decimal | int | float | None, currency: str | None = None) -> str:
    """``{{ order.amount|money:order.currency }}`` → «12 500,00 ₽» in Russian, «12,500.00 RUB» in English."""
    return format_money(amount, currency)


@register.filter
def number(value: Decimal | int | float | None) -> str:
    return format_number(value)
