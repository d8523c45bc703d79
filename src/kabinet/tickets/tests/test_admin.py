"""The back office for tickets: portal settings (one row, pipeline rules), categories, pasted email."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kabinet.core.models import AuditEntry
from kabinet.crm.models import Stage
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role
from kabinet.tickets.models import InboundMail, PipelineRule, TicketSettings
from kabinet.tickets.tokens import reply_address

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss():
    client = Client()
    client.force_login(f.UserFactory(is_staff=True, is_superuser=True, email="boss@example.test"))
    return client


def settings_form(**overrides):
    data = {
        "label_ru": "",
        "label_en": "",
        "label_pl": "",
        "visibility": "contact",
        "clients_can_reply_to_closed": "on",
        "clients_can_close": "on",
        "ratings_enabled": "on",
        "portal_pipeline": "",
        "max_attachments": "5",
        "status_display": "simple",
        "pipeline_rules-TOTAL_FORMS": "0",
        "pipeline_rules-INITIAL_FORMS": "0",
    }
    return {**data, **overrides}


def test_settings_saved_in_the_admin_apply_at_once(boss, world):
    client = world.client_for(Role.OWNER)
    assert "<h1>Requests</h1>" in client.get(reverse("tickets:list")).content.decode()  # cached now
    closed = f.StageFactory(pipeline=world.ticket.pipeline, kind=Stage.Kind.CLOSED)
    response = boss.post(
        reverse("admin:tickets_ticketsettings_add"),
        settings_form(
            label_en="Cases",
            visibility="company",
            sources=["portal", "staff"],
            **{
                "pipeline_rules-TOTAL_FORMS": "1",
                "pipeline_rules-0-pipeline": world.ticket.pipeline_id,
                "pipeline_rules-0-close_stage": closed.pk,
                "pipeline_rules-0-reopen_stage": "",
            },
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    row = TicketSettings.objects.get()
    assert row.label_en == "Cases" and row.sources == ["portal", "staff"]
    assert PipelineRule.objects.get().close_stage == closed
    assert "<h1>Cases</h1>" in client.get(reverse("tickets:list")).content.decode()
    assert (
        world.ticket.subject in world.client_for(Role.COLLEAGUE).get(reverse("tickets:list")).content.decode()
    )
    assert AuditEntry.objects.filter(event="tickets.settings_changed").exists()
    assert boss.get(reverse("admin:tickets_ticketsettings_add")).status_code == 403  # one row only


def test_pipeline_rule_refuses_an_open_closing_stage(boss, world):
    response = boss.post(
        reverse("admin:tickets_ticketsettings_add"),
        settings_form(
            **{
                "pipeline_rules-TOTAL_FORMS": "1",
                "pipeline_rules-0-pipeline": world.ticket.pipeline_id,
                "pipeline_rules-0-close_stage": world.ticket.stage_id,
            }
        ),
    )
    assert response.status_code == 200
    assert "Choose a closing stage" in response.content.decode()
    assert not TicketSettings.objects.exists()


def test_category_added_in_the_admin_is_offered_at_once(boss, world):
    client = world.client_for(Role.OWNER)
    assert 'name="category"' not in client.get(reverse("tickets:new")).content.decode()
    boss.post(
        reverse("admin:tickets_ticketcategory_add"),
        {"name_ru": "Гарантия", "name_pl": "Gwarancja", "position": "1", "is_active": "on"},
    )
    page = client.get(reverse("tickets:new")).content.decode()
    # no English name written: the portal's default language (Russian) stands in
    assert 'name="category"' in page and "Гарантия" in page


def test_pasted_email_goes_through_the_inbound_handler(boss, world):
    owner = world.user(Role.OWNER)
    raw = (
        f"From: {owner.email}\nTo: {reply_address(world.ticket.pk, owner.contact.pk)}\n"
        "Subject: Re: test\nMessage-ID: <pasted@x>\nContent-Type: text/plain; charset=utf-8\n\nОтвет из вставленного письма\n"
    )
    response = boss.post(reverse("admin:tickets_inboundmail_add"), {"raw": raw})
    assert response.status_code == 302
    logged = InboundMail.objects.get()
    assert logged.status == InboundMail.Status.ADDED and logged.ticket == world.ticket
    assert world.ticket.messages.filter(body="Ответ из вставленного письма").exists()
    assert boss.get(reverse("admin:tickets_inboundmail_change", args=[logged.pk])).status_code == 200


def test_staff_edits_in_the_ticket_admin_go_through_actions(boss, world):
    agent = f.support_agent()
    ticket = world.ticket
    response = boss.post(
        reverse("admin:tickets_ticket_change", args=[ticket.pk]),
        {
            "stage": ticket.stage_id,
            "priority": "urgent",
            "category": "",
            "owner": agent.pk,
            "messages-TOTAL_FORMS": "1",
            "messages-INITIAL_FORMS": "0",
            "messages-0-body": "Заметка из бэк-офиса",
            "messages-0-is_internal": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    ticket.refresh_from_db()
    assert ticket.priority == "urgent" and ticket.owner == agent
    assert ticket.messages.get().is_internal


def test_a_ticket_added_in_the_admin_is_created_by_the_action_with_its_first_note(boss, world):
    from kabinet.tickets.models import Ticket

    ticket = world.ticket
    response = boss.post(
        reverse("admin:tickets_ticket_add"),
        {
            "subject": "Заявка из бэк-офиса",
            "company": world.company.pk,
            "contact": world.user(Role.OWNER).contact.pk,
            "pipeline": ticket.pipeline_id,
            "source": "staff",
            "stage": ticket.stage_id,
            "priority": "normal",
            "category": "",
            "owner": "",
            "messages-TOTAL_FORMS": "1",
            "messages-INITIAL_FORMS": "0",
            "messages-0-body": "Первая заметка",
            "messages-0-is_internal": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    created = Ticket.objects.get(subject="Заявка из бэк-офиса")
    assert created.number and created.messages.filter(body="Первая заметка", is_internal=True).exists()
    assert boss.get(reverse("admin:tickets_ticket_change", args=[created.pk])).status_code == 200
