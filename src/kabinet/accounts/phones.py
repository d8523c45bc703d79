"""Phone numbers as people type them → E.164, with the same translated messages the CRM uses."""

from __future__ import annotations

import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def normalize_phone(value: str) -> str:
    """``+7 (916) 123-45-67`` or ``8 916 1234567`` → ``+79161234567``; a clear error otherwise."""
    try:
        parsed = phonenumbers.parse(value, settings.KABINET_DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("Enter a phone number, e.g. +7 916 123-45-67."), code="invalid_phone"
        ) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            _("This phone number does not exist. Check the digits and the country code."),
            code="invalid_phone",
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def looks_like_phone(value: str) -> bool:
    """Digits, spaces, brackets, dashes and a leading plus — and no ``@``: treat it as a phone number."""
    stripped = value.strip()
    return bool(stripped) and "@" not in stripped and any(ch.isdigit() for ch in stripped)


def masked(phone: str) -> str:
    """``+79161234567`` → ``+7 916 ***-**-67`` for messages that must not reveal the whole number."""
    try:
        text = phonenumbers.format_number(
            phonenumbers.parse(phone), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        text = phone
    digits_seen = 0
    total = sum(ch.isdigit() for ch in text)
    out = []
    for ch in text:
        if ch.isdigit():
            digits_seen += 1
            out.append(ch if digits_seen <= 4 or digits_seen > total - 2 else "*")
        else:
            out.append(ch)
    return "".join(out)


class PhoneField(forms.CharField):
    """A phone input normalised to E.164."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Phone"))
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"})
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return normalize_phone(value) if value else value
