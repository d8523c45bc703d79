"""Pages of a list whose cost does not grow with the list: the count stops at a cap.

Django's ``Paginator`` counts every row of the list to number its pages. For a client with 10,000 files
or history entries that count walks 10,000 index entries on every page view, while nobody pages through
more than a few dozen pages: past the cap the list says "more than …" and asks to narrow it with its
filters or search, as a mail client does.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

# Rows counted at most: 40 pages of 25, 50 of 20 (the setting exists for tests and for an installation that
# wants more).
DEFAULT_COUNT_CAP = 1000


def count_cap() -> int:
    """How many rows a list counts at most."""
    return int(getattr(settings, "KABINET_LIST_COUNT_CAP", DEFAULT_COUNT_CAP))


class BoundedPaginator(Paginator):
    """A ``Paginator`` whose ``count`` reads at most ``cap + 1`` rows; ``more`` says the list goes on past
    ``cap`` (then only the first ``cap`` rows have pages).

    A queryset is counted without its ordering (any ``cap + 1`` rows tell "more"); another sequence may
    offer ``count_upto(limit)`` (the tickets' union), else its ``len()`` is taken."""

    def __init__(self, object_list: Any, per_page: int, *, cap: int | None = None, **options: Any) -> None:
        super().__init__(object_list, per_page, **options)
        self.cap = cap if cap is not None else count_cap()

    @cached_property
    def counted(self) -> int:
        """The rows read by the count: at most ``cap + 1``."""
        rows = self.object_list
        if isinstance(rows, QuerySet):
            return rows.order_by()[: self.cap + 1].count()
        if hasattr(rows, "count_upto"):
            return min(rows.count_upto(self.cap + 1), self.cap + 1)
        return min(len(rows), self.cap + 1)

    @cached_property
    def count(self) -> int:
        return min(self.counted, self.cap)

    @property
    def more(self) -> bool:
        """The list has more rows than it numbers pages for."""
        return self.counted > self.cap


def page_of(rows: Any, per_page: int, number: Any, *, cap: int | None = None) -> Page:
    """The page ``number`` (as typed in the address: invalid or too large gives the first or the last) of
    ``rows``, counted up to ``cap``."""
    return BoundedPaginator(rows, per_page, cap=cap).get_page(number)
