"""Texts in several languages: the reader's one first, the portal's default language as the fallback;
money and numbers in the reader's notation."""

from __future__ import annotations

import pytest
from django.utils import translation

from kabinet.core.formats import format_money, format_number
from kabinet.core.i18n import in_every_language, localize, pick, translations
from kabinet.testing import factories as f

NBSP = "\xa0"


def test_pick_prefers_the_readers_language_then_the_default_one(settings):
    assert settings.MODELTRANSLATION_DEFAULT_LANGUAGE == "ru"
    values = {"ru": "В работе", "en": "In progress"}
    assert pick(values, "en") == "In progress"
    assert pick(values, "pl") == "В работе"  # no Polish: the portal's default language
    assert pick({"en": "In progress"}, "pl") == "In progress"  # nor that: whatever there is
    assert pick({}, "pl") == ""
    with translation.override("en"):
        assert pick(values) == "In progress"


@pytest.mark.django_db
def test_a_translated_field_falls_back_to_the_default_language():
    stage = f.StageFactory()
    stage.client_name_ru, stage.client_name_en, stage.client_name_pl = "Доставка", "", None
    for language in ("ru", "en", "pl"):
        with translation.override(language):
            assert stage.client_name == "Доставка"
    stage.client_name_pl = "Dostawa"
    with translation.override("pl"):
        assert stage.client_name == "Dostawa"
    assert translations(stage, "client_name") == {"ru": "Доставка", "pl": "Dostawa"}
    only_english = f.StageFactory()
    only_english.client_name_ru, only_english.client_name_en, only_english.client_name_pl = "", "Delivery", ""
    with translation.override("pl"):
        assert only_english.client_name == "Delivery"  # nor the default one: whatever there is


def test_labels_are_recorded_in_every_language():
    from kabinet.tickets.models import Ticket

    assert in_every_language(lambda: Ticket.Rating.GOOD.label) == {
        "ru": "Доволен",
        "en": "Satisfied",
        "pl": "Zadowolony(-a)",
    }


@pytest.mark.parametrize(
    ("language", "rub", "pln"),
    [
        ("ru", f"56{NBSP}000,00{NBSP}₽", f"56{NBSP}000,00{NBSP}PLN"),
        ("en", f"56,000.00{NBSP}RUB", f"56,000.00{NBSP}PLN"),
        ("pl", f"56{NBSP}000,00{NBSP}RUB", f"56{NBSP}000,00{NBSP}zł"),
    ],
)
def test_money_and_numbers_read_in_the_readers_notation(language, rub, pln):
    with translation.override(language):
        assert format_money("56000.00", "RUB") == rub
        assert format_money(56000, "PLN") == pln
        assert format_number("12500.5") == ("12,500.5" if language == "en" else f"12{NBSP}500,5")
        assert localize({"amount": "56000.00", "currency": "RUB", "stage": {"ru": "Доставка"}}) == {
            "amount": "56000.00",
            "currency": "RUB",
            "money": rub,
            "stage": "Доставка",
        }
    assert format_money("not a number", "RUB") == "not a number"  # shown as written, never a 500


def test_remembered_amounts_still_follow_the_reader_and_the_currency():
    # The formatted texts are kept per process: the language, the currency and the amount's digits are part of
    # what is remembered, so one reader's answer never reaches another.
    with translation.override("en"):
        assert format_money("1.5", "RUB") == "1.50\xa0RUB"
    with translation.override("ru"):
        assert format_money("1.5", "RUB") == f"1,50{NBSP}₽"
        assert format_money("1.5", "PLN") == f"1,50{NBSP}PLN"
        assert format_number("1.50") == "1,5"
    with translation.override("en"):
        assert format_money("1.5", "RUB") == "1.50\xa0RUB"
        assert format_number("1.50") == "1.5"
    assert format_money("sNaN", "RUB") == "sNaN"  # a signalling NaN cannot be remembered: shown as written
