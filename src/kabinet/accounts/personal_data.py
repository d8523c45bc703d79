"""A person's own data across the apps: exported as a ZIP ("download my data") and erased with his account.

Each app that keeps personal data registers a :class:`PersonalDataSource` from its ``AppConfig.ready()``.
``export`` returns JSON-ready records and files; ``erase`` removes or anonymises the personal data while
business records (orders, invoices, documents, tickets) stay, so the business keeps its books.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ExportedFile:
    """A file to put into the export: its path inside the ZIP and a way to read its bytes."""

    path: str
    read: Callable[[], bytes]


def stored_file_reader(stored: Any) -> Callable[[], bytes]:
    """``ExportedFile.read`` for a file in storage (a ``FieldFile``): opened only when the ZIP is written."""

    def read() -> bytes:
        with stored.open("rb") as handle:
            return handle.read()

    return read


@dataclass(frozen=True)
class ExportPart:
    """One section of the export: ``<name>.json`` holding ``records``, plus the files under ``files/``."""

    name: str
    records: Any
    files: list[ExportedFile] = field(default_factory=list)


@dataclass(frozen=True)
class PersonalDataSource:
    """What an app contributes: ``export(user)`` → parts, ``erase(user, actor)`` anonymises in place."""

    key: str
    export: Callable[[Any], list[ExportPart]]
    erase: Callable[[Any, Any], None] | None = None
    order: int = 100


_SOURCES: dict[str, PersonalDataSource] = {}


def register_personal_data(source: PersonalDataSource) -> None:
    _SOURCES[source.key] = source


def personal_data_sources() -> list[PersonalDataSource]:
    return sorted(_SOURCES.values(), key=lambda source: (source.order, source.key))
