"""Texts in several languages: the reader's language first, then the portal's default language.

Staff-typed texts live in one column per language (django-modeltranslation reads ``obj.field`` in the active
language with the same fallback). What is *recorded* for later reading — a stage name in a history entry, a
status label — is kept as ``{"ru": …, "en": …, "pl": …}`` and read back with :func:`pick`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.db import migrations
from django.utils import translation


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def default_language() -> str:
    return settings.MODELTRANSLATION_DEFAULT_LANGUAGE


def is_translations(value: Any) -> bool:
    """``{"ru": "В работе", "en": "In progress"}`` as written by :func:`in_every_language`."""
    return isinstance(value, Mapping) and set(value) <= set(language_codes())


def pick(values: Mapping[str, str], language: str | None = None) -> str:
    """The text in ``language`` (default: the active one), else the default language, else any."""
    language = (language or translation.get_language() or default_language()).split("-")[0]
    for code in (language, default_language(), *values):
        if values.get(code):
            return str(values[code])
    return ""


def translations(obj: Any, name: str) -> dict[str, str]:
    """The columns of one translated field as ``{"ru": …, "en": …}`` (empty translations left out)."""
    values = {code: getattr(obj, f"{name}_{code}", None) for code in language_codes()}
    return {code: str(value) for code, value in values.items() if value}


def assign_translations(obj: Any, name: str, value: str | Mapping[str, str]) -> None:
    """Set a translated field from one text (the active language's) or ``{"ru": …, "en": …}``."""
    if isinstance(value, Mapping):
        for code, text in value.items():
            setattr(obj, f"{name}_{code}", text)
    else:
        setattr(obj, name, value)


def in_every_language(text: Callable[[], Any]) -> dict[str, str]:
    """Evaluate ``text`` once per portal language: ``in_every_language(lambda: stage.client_name)``."""
    values = {}
    for code in language_codes():
        with translation.override(code):
            values[code] = str(text())
    return values


def fill_default_language(app_label: str, model_name: str, *fields: str) -> migrations.RunPython:
    """A migration step: copy each field's existing value into its column for the default language."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        model = apps.get_model(app_label, model_name)
        code = default_language()
        for row in model.objects.all():
            for name in fields:
                if not getattr(row, f"{name}_{code}"):
                    setattr(row, f"{name}_{code}", getattr(row, name))
            row.save(update_fields=[f"{name}_{code}" for name in fields])

    return migrations.RunPython(forwards, migrations.RunPython.noop)


def columns(*names: str) -> list[str]:
    """Every language's column of translated fields, for ``.only()``: the fallback must not cost a query."""
    return [f"{name}_{code}" for name in names for code in language_codes()]


def localize(data: Mapping[str, Any]) -> dict[str, Any]:
    """Recorded parameters ready for a sentence in the active language.

    Texts kept in every language (:func:`in_every_language`) become the reader's; an ``amount`` with its
    ``currency`` also gives ``money``, formatted for the reader («56 000,00 ₽», «56,000.00 RUB»).
    """
    from kabinet.core.formats import format_money

    values = {key: pick(value) if is_translations(value) else value for key, value in data.items()}
    if values.get("amount") not in (None, "") and values.get("currency"):
        values["money"] = format_money(values["amount"], values["currency"])
    return values
