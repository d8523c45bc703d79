"""Field validators for legal and contact details: checksums through python-stdnum and phonenumbers.

Each validator raises a translated ``ValidationError`` that Django shows at the field, in forms and the admin.
"""

from __future__ import annotations

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import bic as swift_bic
from stdnum import iban
from stdnum.eu import vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.pl import nip, regon
from stdnum.ru import inn, ogrn

_KPP = re.compile(r"^\d{4}[\dA-Z]{2}\d{3}$")
_RU_BIK = re.compile(r"^04\d{7}$")
_RU_ACCOUNT = re.compile(r"^\d{20}$")


def _digits(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "")


def validate_inn(value: str) -> None:
    try:
        inn.validate(_digits(value))
    except StdnumError as exc:
        raise ValidationError(
            _("INN must have 10 digits (company) or 12 digits (person) with a valid check digit."),
            code="invalid_inn",
        ) from exc


def validate_kpp(value: str) -> None:
    if not _KPP.match(_digits(value).upper()):
        raise ValidationError(
            _("KPP must have 9 characters: four digits, two digits or Latin letters, three digits."),
            code="invalid_kpp",
        )


def validate_ogrn(value: str) -> None:
    try:
        ogrn.validate(_digits(value))
    except StdnumError as exc:
        raise ValidationError(
            _("OGRN must have 13 digits (OGRNIP 15 digits) with a valid check digit."), code="invalid_ogrn"
        ) from exc


def validate_nip(value: str) -> None:
    try:
        nip.validate(_digits(value))
    except StdnumError as exc:
        raise ValidationError(
            _("NIP must have 10 digits with a valid check digit."), code="invalid_nip"
        ) from exc


def validate_regon(value: str) -> None:
    try:
        regon.validate(_digits(value))
    except StdnumError as exc:
        raise ValidationError(
            _("REGON must have 9 or 14 digits with a valid check digit."), code="invalid_regon"
        ) from exc


def validate_vat(value: str) -> None:
    try:
        vat.validate(value)
    except StdnumError as exc:
        raise ValidationError(
            _("Enter an EU VAT number with its country prefix, e.g. PL5260250274."), code="invalid_vat"
        ) from exc


def validate_ru_bik(value: str) -> None:
    if not _RU_BIK.match(_digits(value)):
        raise ValidationError(_("BIK must have 9 digits and start with 04."), code="invalid_bik")


def validate_swift(value: str) -> None:
    try:
        swift_bic.validate(value)
    except StdnumError as exc:
        raise ValidationError(_("Enter a valid SWIFT/BIC code."), code="invalid_swift") from exc


def validate_iban(value: str) -> None:
    try:
        iban.validate(value)
    except StdnumError as exc:
        raise ValidationError(_("Enter a valid IBAN."), code="invalid_iban") from exc


_ACCOUNT_WEIGHTS = (7, 1, 3) * 8


def ru_account_matches_bik(account: str, bik: str, *, correspondent: bool = False) -> bool:
    """Bank of Russia control-key check of a 20-digit account against the bank's BIK.

    A settlement account is checked with the last three BIK digits before it, a correspondent account with
    "0" and BIK digits 5-6; the weighted sum (weights 7, 1, 3 repeating) must end in zero.
    """
    prefix = ("0" + bik[4:6]) if correspondent else bik[-3:]
    digits = prefix + account
    if len(digits) != 23 or not digits.isdigit():
        return False
    return sum(int(d) * w for d, w in zip(digits, _ACCOUNT_WEIGHTS, strict=False)) % 10 == 0


def validate_ru_account(value: str) -> None:
    if not _RU_ACCOUNT.match(_digits(value)):
        raise ValidationError(_("A bank account number must have 20 digits."), code="invalid_account")


def normalize_phone(value: str, region: str | None = None) -> str:
    """Parse a phone number as people type it and return it in E.164 (``+79161234567``)."""
    try:
        parsed = phonenumbers.parse(value, region or settings.KABINET_DEFAULT_PHONE_REGION)
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


def validate_phone(value: str) -> None:
    normalize_phone(value)


def format_phone(e164: str) -> str:
    """E.164 as people read it: ``+7 916 123-45-67``."""
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return e164
