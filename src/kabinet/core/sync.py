"""Filters every list selector shares, so the portal pages and the API filter the same way."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils import timezone


def as_utc(moment: datetime.datetime) -> datetime.datetime:
    """The same instant in UTC (a naive time is read in the portal's time zone). Databases refuse some offsets
    ISO 8601 allows (PostgreSQL: beyond ±15:59), and an instant in UTC carries none; an instant outside the
    calendar's range once converted becomes its first or last day."""
    if timezone.is_naive(moment):
        try:
            moment = timezone.make_aware(moment)
        except (OverflowError, ValueError):
            moment = moment.replace(tzinfo=datetime.UTC)
    try:
        return moment.astimezone(datetime.UTC)
    except OverflowError:
        edge = datetime.datetime.min if moment.year == datetime.MINYEAR else datetime.datetime.max
        return edge.replace(tzinfo=datetime.UTC)


def changed_since(queryset: QuerySet, updated_since: datetime.datetime | None) -> QuerySet:
    """Rows changed at or after ``updated_since`` (an integrator's incremental sync); all rows for ``None``."""
    if updated_since is None:
        return queryset
    return queryset.filter(updated_at__gte=as_utc(updated_since))
