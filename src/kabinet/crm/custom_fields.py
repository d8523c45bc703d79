"""Order custom fields: which outside fields (a CRM's) clients see, under which label, formatted how.

Staff describe each field once (a CRM connection's *custom fields shown to clients*)::

    {"UF_CRM_DELIVERY": "Доставка",                                   # a label, the value as text
     "UF_CRM_READY": {"label": {"ru": "Готовность", "en": "Ready by", "pl": "Gotowe do"}, "type": "date"},
     "UF_CRM_PREPAY": {"label": "Предоплата", "type": "money"},
     "UF_CRM_KIND": {"label": "Вид", "type": "list", "options": {"45": {"ru": "Курьер", "en": "Courier"}}}}

An order stores what it shows as a list of ``{"code", "label", "type", "value"}`` (``Order.custom_fields``),
the raw value kept as the CRM sent it; the order page formats it in the reader's language (:func:`shown`).
An order written before this format (``{"label": "value"}``) still shows as text.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from kabinet.core.formats import format_money, format_number
from kabinet.core.i18n import language_codes, pick

TYPES = ("text", "number", "date", "money", "list")


@dataclass(frozen=True)
class FieldSpec:
    """One field staff chose to show: its outside code, its label per language, its type."""

    code: str
    label: dict[str, str]
    type: str = "text"
    options: dict[str, dict[str, str]] = field(default_factory=dict)

    def row(self, value: Any) -> dict[str, Any]:
        """What an order stores for this field's ``value`` (a list keeps the labels of the items it holds)."""
        row: dict[str, Any] = {"code": self.code, "label": self.label, "type": self.type, "value": str(value)}
        if self.type == "list" and self.options:
            items = {item.strip() for item in str(value).split(",")}
            row["options"] = {k: v for k, v in self.options.items() if k in items}
        return row


def _texts(value: Any, what: str) -> dict[str, str]:
    if isinstance(value, str) and value.strip():
        return {code: value.strip() for code in language_codes()}  # one label for every language
    if isinstance(value, Mapping) and value and all(isinstance(v, str) for v in value.values()):
        unknown = set(value) - set(language_codes())
        if not unknown and any(v.strip() for v in value.values()):
            return {k: v.strip() for k, v in value.items() if v.strip()}
    raise ValidationError(
        _('%(what)s: give a text, or texts per language such as {"ru": "…", "en": "…", "pl": "…"}.'),
        code="invalid_label",
        params={"what": what},
    )


def parse_specs(config: Any) -> list[FieldSpec]:
    """Staff's description → the fields, in their order; a clear error naming the field that is wrong."""
    if not config:
        return []
    if not isinstance(config, Mapping):
        raise ValidationError(
            _("Give an object: the field code, then its label (or label, type and options)."), code="invalid"
        )
    specs = []
    for code, value in config.items():
        if isinstance(value, Mapping) and "label" in value:
            kind = value.get("type", "text")
            if kind not in TYPES:
                raise ValidationError(
                    _("%(code)s: the type must be one of %(types)s."),
                    code="invalid_type",
                    params={"code": code, "types": ", ".join(TYPES)},
                )
            options = value.get("options") or {}
            if not isinstance(options, Mapping):
                raise ValidationError(
                    _("%(code)s: the options map each value to its label."),
                    code="invalid_options",
                    params={"code": code},
                )
            specs.append(
                FieldSpec(
                    code=str(code),
                    label=_texts(value["label"], str(code)),
                    type=kind,
                    options={str(k): _texts(v, f"{code} {k}") for k, v in options.items()},
                )
            )
        else:
            specs.append(FieldSpec(code=str(code), label=_texts(value, str(code))))
    return specs


def _amount(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(" ", "").replace(",", "."))
    except InvalidOperation:
        return None


def formatted(row: Mapping[str, Any], *, currency: str = "RUB") -> str:
    """A stored value as the reader reads it: a date in his locale's format, money with its currency
    (Bitrix writes ``1500.50|RUB``), a list's items by their labels. Anything unreadable stays as it came."""
    value = str(row.get("value", ""))
    kind = row.get("type", "text")
    if kind == "date":
        try:
            return date_format(datetime.date.fromisoformat(value[:10]), "DATE_FORMAT")
        except ValueError:
            return value
    if kind == "money":
        amount_text, _sep, code = value.partition("|")
        amount = _amount(amount_text)
        return format_money(amount, (code or currency)[:3].upper()) if amount is not None else value
    if kind == "number":
        amount = _amount(value)
        return format_number(amount) if amount is not None else value
    if kind == "list":
        labels = row.get("options") or {}
        items = [item.strip() for item in value.split(",") if item.strip()]
        return ", ".join(pick(labels[item]) if item in labels else item for item in items)
    return value


def shown(order: Any) -> list[tuple[str, str]]:
    """The order's custom fields as ``(label, value)`` in the active language, in staff's order."""
    stored = order.custom_fields or []
    if isinstance(stored, Mapping):  # written before labels had languages: {"label": "value"}
        return [(str(label), str(value)) for label, value in stored.items() if value not in (None, "")]
    rows = []
    for row in stored:
        if not isinstance(row, Mapping) or row.get("value") in (None, ""):
            continue
        label = row.get("label")
        rows.append(
            (
                pick(label) if isinstance(label, Mapping) else str(label or row.get("code", "")),
                formatted(row, currency=order.currency),
            )
        )
    return rows
