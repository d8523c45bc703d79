"""The agents' workspace: who gets in, the queue's filters, the ticket page, replies and notes, properties,
CC, raising a ticket on a client's behalf, and fixed query budgets."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kabinet.crm.models import Membership, Stage
from kabinet.files.models import ClientFile
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role
from kabinet.tickets import actions
from kabinet.tickets.models import Ticket, TicketCC, TicketMessage
from kabinet.tickets.tests.helpers import pdf

pytestmark = pytest.mark.django_db
QUEUE_BUDGET = 10  # session, user, 2 × permissions, stages, count, page, spare
DETAIL_BUDGET = (
    14  # session, user, 2 × permissions, ticket, thread, files, stages, agents, categories, CC, history
)


@pytest.fixture
def agent_client(agent):
    client = Client()
    client.force_login(agent)
    return client


def page(response) -> str:
    return response.content.decode()


def test_only_agents_get_in(world, agent_client):
    url = reverse("tickets_staff:queue")
    assert agent_client.get(url).status_code == 200
    assert world.client_for(Role.STAFF).get(url).status_code == 403
    assert world.client_for(Role.OWNER).get(url).status_code == 404
    boss = Client()
    boss.force_login(f.UserFactory(is_staff=True, is_superuser=True))
    assert boss.get(url).status_code == 200
    inactive = f.support_agent(is_active=False)
    late = Client()
    late.force_login(inactive)
    assert late.get(url).status_code in (302, 403)


def test_queue_filters(world, agent, agent_client, closed_stage, django_assert_max_num_queries):
    other = f.support_agent()
    second_pipeline = f.PipelineFactory(kind="ticket", is_default=False, name="Гарантия")
    warranty = f.StageFactory(pipeline=second_pipeline, name="Диагностика")
    mine = f.TicketFactory(company=world.company, subject="Моя заявка", owner=agent, priority="urgent")
    theirs = f.TicketFactory(company=world.company, subject="Чужая заявка", owner=other, awaiting_agent=False)
    loose = f.TicketFactory(subject="Ничья заявка", stage=warranty, pipeline=second_pipeline)
    done = f.TicketFactory(subject="Закрытая", stage=closed_stage, closed_at=timezone.now())
    url = reverse("tickets_staff:queue")

    def listed(**params):
        return {t.subject for t in agent_client.get(url, params).context["tickets"]}

    everything_open = listed()
    assert {mine.subject, theirs.subject, loose.subject, world.ticket.subject} <= everything_open
    assert done.subject not in everything_open
    assert listed(assigned="mine") == {mine.subject}
    assert theirs.subject not in listed(assigned="unassigned") and loose.subject in listed(
        assigned="unassigned"
    )
    assert listed(pipeline=second_pipeline.pk) == {loose.subject}
    assert listed(stage=warranty.pk) == {loose.subject}
    assert listed(priority="urgent") == {mine.subject}
    assert listed(status="closed") == {done.subject}
    assert theirs.subject not in listed(status="waiting")
    assert listed(q=f"#{mine.number}") == {mine.subject}
    assert listed(q="Ромашк") == set() and listed(q="Свои") >= {mine.subject, theirs.subject}
    for _ in range(40):
        f.TicketFactory(company=world.company)
    with django_assert_max_num_queries(QUEUE_BUDGET):
        response = agent_client.get(url, {"assigned": "unassigned", "sort": "new"})
    assert len(response.context["tickets"]) == 25


def test_ticket_page_shows_notes_marked_and_their_files(
    world, agent, agent_client, django_assert_max_num_queries
):
    actions.add_internal_note(
        actor=agent, ticket=world.ticket, body="Только для своих", attachments=[pdf("in.pdf")]
    )
    actions.add_agent_reply(actor=agent, ticket=world.ticket, body="Ответ клиенту")
    url = reverse("tickets_staff:detail", args=[world.ticket.public_id])
    agent_client.get(url)
    with django_assert_max_num_queries(DETAIL_BUDGET):
        html = page(agent_client.get(url))
    assert "Только для своих" in html and "Internal note — not visible to the client" in html
    assert "Ответ клиенту" in html and "in.pdf" in html
    stored = ClientFile.objects.get(original_name="in.pdf")
    download = agent_client.get(
        reverse("tickets_staff:attachment", args=[world.ticket.public_id, stored.public_id])
    )
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    for _ in range(20):
        actions.add_agent_reply(actor=agent, ticket=world.ticket, body="ещё", attachments=[pdf()])
    with django_assert_max_num_queries(DETAIL_BUDGET):
        assert agent_client.get(url).status_code == 200


def test_reply_and_note_buttons(world, agent_client, django_capture_on_commit_callbacks):
    url = reverse("tickets_staff:reply", args=[world.ticket.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post(url, {"body": "Заметка для коллег", "kind": "note"})
    assert TicketMessage.objects.get(body="Заметка для коллег").is_internal
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post(url, {"body": "Ответ клиенту", "kind": "reply", "attachments": [pdf("fix.pdf")]})
    assert not TicketMessage.objects.get(body="Ответ клиенту").is_internal
    assert [m.to for m in mail.outbox] == [[world.user(Role.OWNER).email]]
    empty = agent_client.post(url, {"body": "", "kind": "reply"})
    assert empty.status_code == 400 and "Write a message." in page(empty)


def test_assignment_stage_priority_category(
    world, agent, agent_client, closed_stage, django_capture_on_commit_callbacks
):
    category = f.TicketCategoryFactory(name="Оплата")
    url = reverse("tickets_staff:update", args=[world.ticket.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            url, {"owner": agent.pk, "stage": closed_stage.pk, "priority": "high", "category": category.pk}
        )
    assert response.status_code == 302
    world.ticket.refresh_from_db()
    assert (world.ticket.owner, world.ticket.stage, world.ticket.priority, world.ticket.category) == (
        agent,
        closed_stage,
        "high",
        category,
    )
    assert world.ticket.closed_at is not None
    assert any("/tickets/rate/" in m.body for m in mail.outbox)  # the client was told it is solved
    outsider = world.user(Role.STAFF)  # staff but no support permission: not offered as owner
    bad = agent_client.post(url, {"owner": outsider.pk, "stage": closed_stage.pk, "priority": "high"})
    assert bad.status_code == 400
    world.ticket.refresh_from_db()
    assert world.ticket.owner == agent


def test_cc_by_email(world, agent_client):
    url = reverse("tickets_staff:cc", args=[world.ticket.public_id])
    colleague = world.user(Role.COLLEAGUE)
    assert agent_client.post(url, {"email": colleague.email}).status_code == 302
    assert TicketCC.objects.filter(ticket=world.ticket, contact=colleague.contact).exists()
    refused = agent_client.post(url, {"email": world.user(Role.OTHER_CLIENT).email})
    assert refused.status_code == 400 and "Only colleagues from the ticket" in page(refused)
    unknown = agent_client.post(url, {"email": "nobody@example.test"})
    assert "No client has this email." in page(unknown)
    agent_client.post(url, {"remove": colleague.contact.public_id})
    assert not TicketCC.objects.filter(ticket=world.ticket).exists()


def test_raise_a_ticket_on_a_clients_behalf(world, agent, agent_client, django_capture_on_commit_callbacks):
    url = reverse("tickets_staff:new")
    owner = world.user(Role.OWNER)
    data = {
        "email": owner.email,
        "subject": "По звонку",
        "body": "Записали ваш вопрос.",
        "priority": "normal",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(url, data)
    ticket = Ticket.objects.get(subject="По звонку")
    assert response["Location"] == reverse("tickets_staff:detail", args=[ticket.public_id])
    assert ticket.source == Ticket.Source.STAFF and ticket.company == world.company and ticket.owner == agent
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert "No client has this email." in page(agent_client.post(url, {**data, "email": "x@example.test"}))
    huge = agent_client.post(url, {**data, "email": "a" * 1_000_000 + "@example.test"})  # was a 500
    assert huge.status_code == 400 and "email" in huge.context["form"].errors
    f.MembershipFactory(contact=owner.contact, company=world.other_company, role=Membership.Role.MEMBER)
    several = agent_client.post(url, {**data, "subject": "Две компании"})
    assert "several companies" in page(several)
    chosen = agent_client.post(url, {**data, "subject": "Две компании", "company": world.other_company.pk})
    assert chosen.status_code == 302
    assert Ticket.objects.get(subject="Две компании").company == world.other_company


def test_stage_moves_between_pipelines(world, agent):
    second = f.PipelineFactory(kind="ticket", is_default=False)
    stage = f.StageFactory(pipeline=second, kind=Stage.Kind.OPEN)
    actions.change_ticket_stage(actor=agent, ticket=world.ticket, stage=stage)
    world.ticket.refresh_from_db()
    assert world.ticket.pipeline == second
