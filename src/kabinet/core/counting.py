"""Totals that ride along with a card's rows without reading every row.

A window function (``Window(Count("id"))``) over a viewer's scope makes the database materialise and sort
every row of that scope to return five: a client with 10,000 invoices paid for all of them on each visit to
the start page. :func:`scalar` instead puts the total in an uncorrelated scalar subquery, which the database
answers once per query from an index (a ``COUNT`` over a covering index), whatever the number of rows listed.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Func, IntegerField, QuerySet, Subquery
from django.db.models.fields import Field


def scalar(
    queryset: QuerySet, function: str = "COUNT", expression: Any = None, output: Field | None = None
) -> Subquery:
    """``(SELECT <function>(<expression>) FROM … WHERE …)`` over ``queryset``'s rows, as an expression.

    A plain ``Func`` rather than an aggregate, so Django adds no ``GROUP BY``: the subquery is one row.
    """
    value = Func(
        expression if expression is not None else F("pk"),
        function=function,
        output_field=output or IntegerField(),
    )
    return Subquery(
        queryset.order_by().annotate(_value=value).values("_value")[:1], output_field=value.output_field
    )
