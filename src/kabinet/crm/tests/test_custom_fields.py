"""Order custom fields: staff's description, the stored rows, and the order page in each language."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kabinet.crm.custom_fields import parse_specs, shown
from kabinet.crm.models import Order
from kabinet.testing.matrix import Role

SPECS = {
    "UF_CRM_DELIVERY": "Доставка",
    "UF_CRM_READY": {"label": {"ru": "Готовность", "en": "Ready by", "pl": "Gotowe do"}, "type": "date"},
    "UF_CRM_PREPAY": {"label": {"ru": "Предоплата", "en": "Prepayment", "pl": "Przedpłata"}, "type": "money"},
    "UF_CRM_KIND": {
        "label": {"ru": "Вид", "en": "Kind", "pl": "Rodzaj"},
        "type": "list",
        "options": {"45": {"ru": "Курьер", "en": "Courier", "pl": "Kurier"}, "47": "Самовывоз"},
    },
}
VALUES = {
    "UF_CRM_DELIVERY": "до двери",
    "UF_CRM_READY": "2026-12-24T00:00:00+03:00",
    "UF_CRM_PREPAY": "1500.5|RUB",
    "UF_CRM_KIND": "45, 47",
}


def rows() -> list[dict]:
    return [spec.row(VALUES[spec.code]) for spec in parse_specs(SPECS)]


def test_labels_per_language_and_values_formatted_for_each_reader():
    from django.utils import translation

    order = Order(custom_fields=rows(), currency="RUB")
    with translation.override("en"):
        en = dict(shown(order))
    with translation.override("ru"):
        ru = dict(shown(order))
    with translation.override("pl"):
        pl = dict(shown(order))
    assert en["Доставка"] == ru["Доставка"] == "до двери"  # one label for every language
    assert en["Ready by"] == "Dec. 24, 2026" and ru["Готовность"] == "24 декабря 2026 г."
    assert pl["Gotowe do"].startswith("24 grudnia 2026")
    assert en["Prepayment"].startswith("1,500.50") and ru["Предоплата"].replace("\xa0", " ").startswith(
        "1 500,50"
    )
    assert en["Kind"] == "Courier, Самовывоз" and pl["Rodzaj"] == "Kurier, Самовывоз"


def test_an_order_written_before_labels_had_languages_still_shows_as_text():
    assert shown(Order(custom_fields={"Доставка": "Курьер", "Пусто": ""})) == [("Доставка", "Курьер")]


def test_unreadable_values_are_shown_as_they_came():
    [spec] = parse_specs({"D": {"label": "Дата", "type": "date"}})
    assert shown(Order(custom_fields=[spec.row("скоро")])) == [("Дата", "скоро")]


@pytest.mark.parametrize(
    "config",
    [
        ["UF_CRM_DELIVERY"],
        {"UF": {"label": "Дата", "type": "colour"}},
        {"UF": {"label": {"de": "Datum"}}},
        {"UF": ""},
        {"UF": {"label": "Вид", "type": "list", "options": ["45"]}},
    ],
)
def test_a_wrong_description_is_a_clear_error(config):
    with pytest.raises(ValidationError):
        parse_specs(config)


@pytest.mark.django_db
def test_the_order_page_shows_the_chosen_fields_in_the_readers_language(world):
    Order.objects.filter(pk=world.order.pk).update(custom_fields=rows())
    client = world.client_for(Role.OWNER)
    page = client.get(reverse("crm:order", args=[world.order.public_id]), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200
    for value in ("Order details", "до двери", "Ready by", "Dec. 24, 2026", "Kind", "Courier, Самовывоз"):
        assert value in text
