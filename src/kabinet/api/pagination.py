"""Cursor pagination, newest first: ``limit`` (1–100) and ``starting_after`` (the last id of the page before).

A keyset on ``(created_at, id)`` (the scope indexes every client-owned table has): page 1000 costs what page 1
costs, and rows written meanwhile never shift a page.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kabinet.api.problems import Problem

MAX_LIMIT = 100


def paginate(queryset: QuerySet, *, limit: int, starting_after: str | None) -> dict[str, Any]:
    """One page of ``queryset`` (already scoped by its selector) as the list object the API answers."""
    if starting_after:
        # The cursor is looked up in the same scoped queryset: a foreign or unknown id is no cursor at all.
        cursor = queryset.filter(public_id=starting_after).values_list("created_at", "id").first()
        if cursor is None:
            raise Problem(
                400,
                _("The request is not valid."),
                errors=[{"field": "starting_after", "message": _("Unknown id.")}],
            )
        created_at, pk = cursor
        queryset = queryset.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=pk))
    rows = list(queryset.order_by("-created_at", "-id")[: limit + 1])
    return {"object": "list", "data": rows[:limit], "has_more": len(rows) > limit}
