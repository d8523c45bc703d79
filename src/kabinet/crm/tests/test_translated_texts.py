"""What staff type, a client reads in his own language (issue 10, items 9 and 10): stage names and their
explanations, ticket categories and statuses, rating words, labels, units and money — in ru, en and pl,
with the portal's default language standing in for a translation nobody wrote."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from kabinet.billing.actions import issue_invoice
from kabinet.crm import actions
from kabinet.crm.models import Stage
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role
from kabinet.tickets import actions as tickets
from kabinet.tickets.models import TicketCategory, TicketSettings

pytestmark = pytest.mark.django_db
NBSP = "\xa0"


def reader(world, language: str):
    user = world.user(Role.OWNER)
    user.language = language
    user.save(update_fields=["language"])
    return world.client_for(Role.OWNER)


def page(client, url: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", client.get(url).content.decode()).replace("&nbsp;", NBSP)


def written(stage: Stage, **columns: str) -> Stage:
    """Set the language columns themselves: the factory's ``client_name`` goes to whichever language is
    active, which must not decide what a test sees."""
    for name, value in columns.items():
        setattr(stage, name, value)
    stage.save()
    return stage


@pytest.fixture
def delivery(world):
    stage = written(
        f.StageFactory(pipeline=world.order.pipeline),
        client_name_ru="Доставка",
        client_name_en="Delivery",
        client_name_pl="Dostawa",
        client_description_ru="Едет к вам.",
        client_description_en="On its way to you.",
        client_description_pl="",  # nobody wrote it: the default language (Russian) stands in
    )
    actions.change_order_stage(actor=None, order=world.order, stage=stage)
    return stage


@pytest.mark.parametrize(
    ("language", "name", "explanation", "unit"),
    [
        ("ru", "Доставка", "Едет к вам.", "шт"),
        ("en", "Delivery", "On its way to you.", "pcs"),
        ("pl", "Dostawa", "Едет к вам.", "szt."),
    ],
)
def test_the_order_page_reads_stage_and_units_in_the_readers_language(
    world, delivery, language, name, explanation, unit
):
    world.order.items.create(name="Стол", quantity=Decimal("4"), price=Decimal("100"))
    body = page(reader(world, language), reverse("crm:order", args=[world.order.public_id]))
    assert name in body and explanation in body
    assert f"4 {unit}</td>" in body
    others = {"ru": "Доставка", "en": "Delivery", "pl": "Dostawa"}
    assert not [word for code, word in others.items() if code != language and word in body]


@pytest.mark.parametrize(
    ("language", "stage_sentence", "invoice_sentence"),
    [
        ("ru", "переведён на этап «Доставка»", f"на сумму 56{NBSP}000,00{NBSP}₽"),
        ("en", "moved to the stage “Delivery”", f"for 56,000.00{NBSP}RUB was issued"),
        ("pl", "przeszło na etap „Dostawa”", f"na kwotę 56{NBSP}000,00{NBSP}RUB"),
    ],
)
def test_history_reads_stages_and_money_in_the_readers_language(
    world, delivery, language, stage_sentence, invoice_sentence
):
    issue_invoice(
        actor=None,
        company=world.company,
        contact=world.user(Role.OWNER).contact,
        amount=Decimal("56000.00"),
        due_date=None,
    )
    body = page(reader(world, language), reverse("crm:history"))
    assert stage_sentence in body
    assert invoice_sentence in body
    assert "56000.00" not in body


def test_ticket_category_status_rating_and_label_follow_the_reader(world):
    category = tickets.save_ticket_category(
        actor=None, category=TicketCategory(name_ru="Доставка", name_en="Delivery", name_pl="Dostawa")
    )
    tickets.save_ticket_settings(
        actor=None,
        settings_row=TicketSettings(
            label_ru="Обращения",
            label_en="Cases",
            label_pl="Sprawy",
            status_display=TicketSettings.StatusDisplay.STAGES,
        ),
    )
    written(world.ticket.stage, client_name_ru="Новое", client_name_en="New", client_name_pl="Nowe")
    owner = world.user(Role.OWNER)
    tickets.change_ticket_category(actor=None, ticket=world.ticket, category=category)
    closed = written(
        f.StageFactory(pipeline=world.ticket.pipeline, kind=Stage.Kind.CLOSED),
        client_name_ru="Решено",
        client_name_en="Solved",
        client_name_pl="",
    )
    tickets.change_ticket_stage(actor=None, ticket=world.ticket, stage=closed)
    tickets.rate_ticket(actor=owner, ticket=world.ticket, rating=3)
    for language, words in {
        "en": ["Cases", "Delivery", "Solved", "Satisfied"],
        "pl": ["Sprawy", "Dostawa", "Решено", "Zadowolony(-a)"],  # no Polish stage name: the default one
        "ru": ["Обращения", "Доставка", "Решено", "Доволен"],
    }.items():
        client = reader(world, language)
        ticket_page = page(client, reverse("tickets:detail", args=[world.ticket.public_id]))
        history = page(client, reverse("crm:history"))
        label, category_name, status, rating = words
        assert f"<h1>{label}</h1>" in page(client, reverse("tickets:list"))
        assert category_name in ticket_page and status in ticket_page
        assert category_name in history and rating in history  # a closing move reads "was closed"


def test_staff_edit_every_language_side_by_side(world, admin_client, delivery):
    body = admin_client.get(reverse("admin:crm_stage_change", args=[delivery.pk])).content.decode()
    row = re.search(r'<div class="form-row[^"]*field-client_name_ru[^"]*"', body)
    assert row and "field-client_name_en" in row.group(0) and "field-client_name_pl" in row.group(0)
    for column in ("client_name_ru", "client_name_en", "client_name_pl", "client_description_pl"):
        assert f'name="{column}"' in body
    assert 'name="client_name"' not in body  # the untranslated column is not edited by hand
