"""Case-insensitive search that works for every alphabet on SQLite as well as PostgreSQL.

SQLite's ``LIKE`` and ``lower()`` fold only ASCII letters, so «мебель» would not find «Мебель». ``Folded``
lowers a column with Python's ``str.lower`` on SQLite (a function registered on each new connection) and
with ``LOWER`` elsewhere; compare it with the lowered search words: ``Folded("title")`` + ``__contains``.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.signals import connection_created
from django.db.models import CharField, Func, QuerySet


class Folded(Func):
    function = "LOWER"
    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, function="KABINET_FOLD", **extra)


def _fold(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def register_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("KABINET_FOLD", 1, _fold, deterministic=True)


def search_contains(queryset: QuerySet, field: str, words: str) -> QuerySet:
    """Rows whose ``field`` contains ``words``, ignoring case in any alphabet."""
    alias = f"_folded_{field.replace('__', '_')}"
    return queryset.alias(**{alias: Folded(field)}).filter(**{f"{alias}__contains": words.lower()})


connection_created.connect(register_sqlite_functions, dispatch_uid="kabinet.core.search")
