"""Filters every list selector shares, so the portal pages and the API filter the same way."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet


def changed_since(queryset: QuerySet, updated_since: datetime.datetime | None) -> QuerySet:
    """Rows changed at or after ``updated_since`` (an integrator's incremental sync); all rows for ``None``."""
    if updated_since is None:
        return queryset
    return queryset.filter(updated_at__gte=updated_since)
