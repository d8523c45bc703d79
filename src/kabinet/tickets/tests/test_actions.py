"""Ticket actions: what they write, what they refuse, and that internal notes never reach a client."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import translation

from kabinet.core.models import AuditEntry
from kabinet.crm.models import Membership, Stage, TimelineEntry
from kabinet.crm.selectors import timeline_visible_to
from kabinet.crm.viewer import build_viewer
from kabinet.files.models import ClientFile
from kabinet.files.selectors import files_visible_to
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role
from kabinet.testing.notices import recording_notices
from kabinet.tickets import actions
from kabinet.tickets.models import PipelineRule, Ticket, TicketMessage, TicketSettings
from kabinet.tickets.selectors import (
    VIEW_MINE,
    open_tickets_count,
    ticket_attachments_visible_to,
    ticket_messages_visible_to,
    tickets_visible_to,
)
from kabinet.tickets.tests.helpers import configure, html_disguised, pdf, png, svg

pytestmark = pytest.mark.django_db


class FakeRequest:
    def __init__(self, user):
        self.user = user
        self.session = {}


def viewer_of(user):
    return build_viewer(FakeRequest(user))


@pytest.fixture
def notices():
    with recording_notices() as captured:  # the notification centre's backend comes back afterwards
        yield captured


def new_ticket(world, **kwargs):
    owner = world.user(Role.OWNER)
    defaults = {
        "actor": owner,
        "subject": "Не работает выгрузка",
        "body": "Выгрузка в 1С падает с ошибкой.",
        "company": world.company,
        "contact": owner.contact,
    }
    return actions.create_ticket(**{**defaults, **kwargs})


def test_create_ticket_writes_message_files_history_and_audit(world):
    ticket = new_ticket(world, attachments=[pdf("a.pdf"), png("b.png")])
    message = ticket.messages.get()
    assert message.author_contact == world.user(Role.OWNER).contact and not message.is_internal
    assert ticket.awaiting_agent and ticket.is_open and ticket.source == Ticket.Source.PORTAL
    files = ClientFile.objects.filter(subject_id=message.pk).order_by("original_name")
    assert [(x.original_name, x.direction, x.content_type) for x in files] == [
        ("a.pdf", ClientFile.Direction.FROM_CLIENT, "application/pdf"),
        ("b.png", ClientFile.Direction.FROM_CLIENT, "image/png"),
    ]
    assert TimelineEntry.objects.filter(
        event="ticket.created", subject_id=ticket.pk, client_visible=True
    ).exists()
    assert AuditEntry.objects.filter(event="ticket.created", target_id=ticket.public_id).exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"subject": "   "}, "subject"),
        ({"body": "  \n "}, "body"),
        ({"body": "x" * (actions.MESSAGE_MAX_LENGTH + 1)}, "body"),
        ({"attachments": [pdf(f"{n}.pdf") for n in range(6)]}, "attachments"),
        ({"attachments": [pdf(), html_disguised()]}, "attachments"),
        ({"attachments": [svg()]}, "attachments"),
    ],
    ids=["empty subject", "empty body", "huge body", "too many files", "html as text", "svg"],
)
def test_bad_input_is_refused_and_nothing_is_written(world, kwargs, field):
    tickets, files = Ticket.objects.count(), ClientFile.objects.count()
    with pytest.raises(ValidationError) as caught:
        new_ticket(world, **kwargs)
    assert field in caught.value.message_dict
    assert (Ticket.objects.count(), ClientFile.objects.count()) == (tickets, files)


def test_attachment_count_limit_follows_the_settings(world):
    configure(max_attachments=1)
    with pytest.raises(ValidationError):
        new_ticket(world, attachments=[pdf("1.pdf"), pdf("2.pdf")])
    assert new_ticket(world, attachments=[pdf("1.pdf")]).pk


def test_internal_note_never_reaches_the_client(world, agent, notices, django_capture_on_commit_callbacks):
    ticket = world.ticket
    before = ticket.last_activity_at
    with django_capture_on_commit_callbacks(execute=True):
        note = actions.add_internal_note(
            actor=agent, ticket=ticket, body="Клиент путает счета", attachments=[pdf("internal.pdf")]
        )
    ticket.refresh_from_db()
    for role in (Role.OWNER, Role.COMPANY_ADMIN):
        viewer = viewer_of(world.user(role))
        assert note not in ticket_messages_visible_to(viewer, ticket)
        assert not ticket_attachments_visible_to(viewer, ticket).exists()
        assert not files_visible_to(viewer).filter(original_name="internal.pdf").exists()
        assert not timeline_visible_to(viewer).filter(event__in=["ticket.note", "file.added"]).exists()
    stored = ClientFile.objects.get(original_name="internal.pdf")
    assert stored.company is None and stored.contact is None
    assert ticket.last_activity_at == before  # the portal's "last activity" does not move
    assert mail.outbox == [] and notices == []


def test_agent_reply_is_emailed_to_the_client_and_cc_and_told_to_notifications(
    world, agent, notices, django_capture_on_commit_callbacks
):
    ticket = world.ticket
    colleague = world.user(Role.COLLEAGUE)
    actions.add_ticket_cc(actor=agent, ticket=ticket, contact=colleague.contact)
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_internal_note(actor=agent, ticket=ticket, body="СЕКРЕТНАЯ заметка")
        actions.add_agent_reply(
            actor=agent, ticket=ticket, body="Исправили, проверьте.", attachments=[pdf("fix.pdf")]
        )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.user(Role.OWNER).email, colleague.email])
    for message in mail.outbox:
        assert "Исправили, проверьте." in message.body and "СЕКРЕТНАЯ" not in message.body
        assert f"/tickets/{ticket.public_id}/" in message.body and "fix.pdf" in message.body
        assert f"[#{ticket.number}]" in message.subject
        assert "+" in message.reply_to[0]
    assert {n.contact_id for n in notices} == {world.user(Role.OWNER).contact.pk, colleague.contact.pk}
    assert all(n.event == "ticket.replied" and n.channels_done == {"email"} for n in notices)
    ticket.refresh_from_db()
    assert not ticket.awaiting_agent


def test_client_reply_to_closed_ticket_reopens_into_the_rule_stage(world, agent, closed_stage):
    ticket = world.ticket
    waiting = f.StageFactory(pipeline=ticket.pipeline, client_name="Снова в работе")
    PipelineRule.objects.create(
        settings=configure(), pipeline=ticket.pipeline, close_stage=closed_stage, reopen_stage=waiting
    )
    actions.change_ticket_stage(actor=agent, ticket=ticket, stage=closed_stage)
    actions.add_client_reply(
        actor=world.user(Role.OWNER), ticket=ticket, contact=world.user(Role.OWNER).contact, body="Не помогло"
    )
    ticket.refresh_from_db()
    assert ticket.is_open and ticket.stage == waiting and ticket.awaiting_agent
    assert TimelineEntry.objects.filter(event="ticket.reopened", subject_id=ticket.pk).exists()


def test_reply_to_closed_ticket_refused_where_not_allowed(world, agent, closed_stage):
    configure(clients_can_reply_to_closed=False)
    ticket = world.ticket
    actions.change_ticket_stage(actor=agent, ticket=ticket, stage=closed_stage)
    count = TicketMessage.objects.count()
    with translation.override("en"), pytest.raises(actions.TicketClosedError) as caught:
        actions.add_client_reply(
            actor=world.user(Role.OWNER),
            ticket=ticket,
            contact=world.user(Role.OWNER).contact,
            body="Ещё вопрос",
        )
    assert "closed" in caught.value.message_dict["body"][0]
    assert TicketMessage.objects.count() == count
    ticket.refresh_from_db()
    assert not ticket.is_open


def test_client_closes_into_the_pipeline_closing_stage(world, closed_stage):
    other_closed = f.StageFactory(
        pipeline=world.ticket.pipeline, kind=Stage.Kind.CLOSED, client_name="Отменено"
    )
    PipelineRule.objects.create(
        settings=configure(), pipeline=world.ticket.pipeline, close_stage=other_closed
    )
    actions.close_ticket_by_client(actor=world.user(Role.OWNER), ticket=world.ticket)
    world.ticket.refresh_from_db()
    assert world.ticket.stage == other_closed and world.ticket.closed_at is not None
    assert TimelineEntry.objects.filter(event="ticket.closed_by_client", subject_id=world.ticket.pk).exists()


def test_default_closing_stage_is_the_pipelines_closed_one(world, closed_stage):
    f.StageFactory(pipeline=world.ticket.pipeline, kind=Stage.Kind.LOST, position=0)
    assert actions.closing_stage(world.ticket.pipeline_id) == closed_stage


def test_closing_by_clients_can_be_switched_off(world, closed_stage):
    configure(clients_can_close=False)
    with pytest.raises(ValidationError):
        actions.close_ticket_by_client(actor=world.user(Role.OWNER), ticket=world.ticket)
    world.ticket.refresh_from_db()
    assert world.ticket.is_open


def test_pipeline_without_closing_stage_cannot_be_closed_by_a_client(world):
    with pytest.raises(ValidationError):
        actions.close_ticket_by_client(actor=world.user(Role.OWNER), ticket=world.ticket)


def test_staff_closing_sends_solved_email_with_rating_links(
    world, agent, closed_stage, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.change_ticket_stage(actor=agent, ticket=world.ticket, stage=closed_stage)
    (message,) = mail.outbox
    assert message.to == [world.user(Role.OWNER).email]
    assert message.body.count("/tickets/rate/") == 3
    world.ticket.refresh_from_db()
    assert world.ticket.rating_nonce and world.ticket.closed_at
    assert TimelineEntry.objects.filter(event="ticket.closed", subject_id=world.ticket.pk).exists()


def test_stage_of_an_order_pipeline_is_refused(world, agent):
    with pytest.raises(ValidationError):
        actions.change_ticket_stage(actor=agent, ticket=world.ticket, stage=f.order_stage())


def test_only_agents_can_own_tickets(world, agent):
    with pytest.raises(ValidationError):
        actions.assign_ticket(actor=agent, ticket=world.ticket, owner=world.user(Role.STAFF))
    actions.assign_ticket(actor=agent, ticket=world.ticket, owner=agent)
    entry = TimelineEntry.objects.get(event="ticket.assigned", subject_id=world.ticket.pk)
    assert not entry.client_visible


def test_rating_once_per_closing(world, agent, closed_stage):
    owner = world.user(Role.OWNER)
    with pytest.raises(ValidationError):
        actions.rate_ticket(actor=owner, ticket=world.ticket, rating=3)  # still open
    actions.change_ticket_stage(actor=agent, ticket=world.ticket, stage=closed_stage)
    actions.rate_ticket(actor=owner, ticket=world.ticket, rating=1, comment="Долго")
    with pytest.raises(ValidationError):
        actions.rate_ticket(actor=owner, ticket=world.ticket, rating=3)
    world.ticket.refresh_from_db()
    assert (world.ticket.rating, world.ticket.rating_comment) == (1, "Долго")
    # reopened and solved again: a new rating is welcome
    actions.add_client_reply(actor=owner, ticket=world.ticket, contact=owner.contact, body="Опять сломалось")
    world.ticket.refresh_from_db()
    actions.change_ticket_stage(actor=agent, ticket=world.ticket, stage=closed_stage)
    actions.rate_ticket(actor=owner, ticket=world.ticket, rating=3)
    world.ticket.refresh_from_db()
    assert world.ticket.rating == 3


def test_emailed_rating_nonce_works_once(world, agent, closed_stage):
    actions.change_ticket_stage(actor=agent, ticket=world.ticket, stage=closed_stage)
    world.ticket.refresh_from_db()
    nonce = world.ticket.rating_nonce
    with pytest.raises(ValidationError):
        actions.rate_ticket(actor=None, ticket=world.ticket, rating=3, nonce="wrong-nonce")
    actions.rate_ticket(actor=None, ticket=world.ticket, rating=2, nonce=nonce)
    with pytest.raises(ValidationError):
        actions.rate_ticket(actor=None, ticket=world.ticket, rating=3, nonce=nonce)


def test_ratings_can_be_switched_off(world, agent, closed_stage):
    configure(ratings_enabled=False)
    actions.change_ticket_stage(actor=agent, ticket=world.ticket, stage=closed_stage)
    with pytest.raises(ValidationError):
        actions.rate_ticket(actor=world.user(Role.OWNER), ticket=world.ticket, rating=3)


def test_cc_only_colleagues_and_they_see_the_ticket(world, agent):
    ticket = world.ticket
    colleague = world.user(Role.COLLEAGUE)
    assert not tickets_visible_to(viewer_of(colleague)).filter(pk=ticket.pk).exists()
    with pytest.raises(ValidationError):
        actions.add_ticket_cc(actor=agent, ticket=ticket, contact=world.user(Role.OTHER_CLIENT).contact)
    actions.add_ticket_cc(actor=agent, ticket=ticket, contact=colleague.contact)
    assert tickets_visible_to(viewer_of(colleague)).filter(pk=ticket.pk).exists()
    third = f.client_user(company=world.company)
    assert not tickets_visible_to(viewer_of(third)).filter(pk=ticket.pk).exists()
    actions.remove_ticket_cc(actor=agent, ticket=ticket, contact=colleague.contact)
    assert not tickets_visible_to(viewer_of(colleague)).filter(pk=ticket.pk).exists()


def test_company_wide_visibility_with_mine_switch(world):
    colleague = world.user(Role.COLLEAGUE)
    assert not tickets_visible_to(viewer_of(colleague)).filter(pk=world.ticket.pk).exists()
    configure(visibility=TicketSettings.Visibility.COMPANY)
    viewer = viewer_of(colleague)
    assert tickets_visible_to(viewer).filter(pk=world.ticket.pk).exists()
    assert not tickets_visible_to(viewer, view=VIEW_MINE).filter(pk=world.ticket.pk).exists()
    assert not tickets_visible_to(viewer).filter(pk=world.foreign["ticket"].pk).exists()


def test_company_admin_always_sees_the_company(world):
    admin = viewer_of(world.user(Role.COMPANY_ADMIN))
    assert tickets_visible_to(admin).filter(pk=world.ticket.pk).exists()
    assert not tickets_visible_to(admin, view=VIEW_MINE).filter(pk=world.ticket.pk).exists()


def test_private_person_sees_own_tickets_without_company(db):
    person = f.client_user(company=None)
    mine = f.TicketFactory(contact=person.contact)
    f.TicketFactory(contact=person.contact, company=f.CompanyFactory())  # not his company any more
    assert list(tickets_visible_to(viewer_of(person))) == [mine]


def test_portal_filters_decide_which_tickets_appear(world):
    ticket = world.ticket
    viewer = viewer_of(world.user(Role.OWNER))
    other_pipeline = f.PipelineFactory(kind="ticket", is_default=False)
    configure(pipelines=[other_pipeline])
    assert not tickets_visible_to(viewer).exists()
    configure(pipelines=[], sources=["email"])
    assert not tickets_visible_to(viewer).exists()
    configure(sources=["portal"], priorities=["normal"])
    assert list(tickets_visible_to(viewer)) == [ticket]
    category = f.TicketCategoryFactory()
    configure(categories=[category])
    assert open_tickets_count(viewer) == 0


def test_contact_must_belong_to_the_company(world):
    stranger = f.client_user(company=None)
    with pytest.raises(ValidationError):
        new_ticket(world, contact=stranger.contact)
    assert not Membership.objects.filter(contact=stranger.contact).exists()


def test_staff_raised_ticket_emails_the_client(world, agent, django_capture_on_commit_callbacks):
    owner = world.user(Role.OWNER)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = actions.create_ticket(
            actor=agent,
            subject="Звонок клиента: сверка",
            body="Как договорились по телефону, пришлите акт сверки.",
            company=world.company,
            contact=owner.contact,
            source=Ticket.Source.STAFF,
        )
    assert not ticket.awaiting_agent
    first = ticket.messages.get()
    assert first.author_contact is None and first.author_user == agent
    (message,) = mail.outbox
    assert message.to == [owner.email] and "пришлите акт сверки" in message.body
