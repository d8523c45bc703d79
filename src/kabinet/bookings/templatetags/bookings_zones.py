"""``{{ branch.time_zone|zone_label }}``: a time zone in words in the page's language ("Moscow time")."""

from __future__ import annotations

from django import template

from kabinet.bookings.zones import zone_label as _zone_label

register = template.Library()


@register.filter
def zone_label(name: str) -> str:
    return _zone_label(name)
