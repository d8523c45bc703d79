"""The client's ticket pages: list (search, filters, sort, pages, the mine/company switch), new ticket,
conversation, reply, close, rating, downloads, the emailed rating link, settings effects, query budgets."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from kabinet.crm.models import Stage, TimelineEntry
from kabinet.files.models import ClientFile
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role
from kabinet.tickets import actions
from kabinet.tickets.models import Ticket, TicketSettings
from kabinet.tickets.tests.helpers import configure, html_disguised, pdf, png, svg
from kabinet.tickets.tokens import rating_token

pytestmark = pytest.mark.django_db
LIST_BUDGET = 9  # session, user, viewer, settings (cold cache), count, page, nav badge, spare
DETAIL_BUDGET = 9  # session, user, viewer, settings, ticket, messages, files, nav badge, spare


def body(response) -> str:
    return response.content.decode()


def owner_client(world):
    return world.client_for(Role.OWNER)


# --- list -------------------------------------------------------------------------------------------------


def test_list_shows_the_columns_and_only_visible_tickets(world, agent):
    actions.assign_ticket(actor=agent, ticket=world.ticket, owner=agent)
    page = body(owner_client(world).get(reverse("tickets:list")))
    for text in (world.ticket.subject, world.user(Role.OWNER).contact.full_name, "Мария Агентова", "Open"):
        assert text in page
    assert world.foreign["ticket"].subject not in page
    assert world.ticket.created_at.strftime("%m/%d/%Y") in page or str(world.ticket.created_at.year) in page


def test_search_filters_sort_and_pages(world, closed_stage):
    owner = world.user(Role.OWNER)
    category = f.TicketCategoryFactory(name="Доставка")
    now = timezone.now()
    for n in range(25):
        f.TicketFactory(
            company=world.company,
            contact=owner.contact,
            subject=f"Вопрос про доставку {n}",
            category=category if n % 5 == 0 else None,
            last_activity_at=now - timezone.timedelta(minutes=n),
        )
    closed = f.TicketFactory(
        company=world.company,
        contact=owner.contact,
        subject="Старая закрытая",
        stage=closed_stage,
        closed_at=now,
    )
    client = owner_client(world)
    url = reverse("tickets:list")
    first = client.get(url).context
    assert len(first["tickets"]) == 20 and first["page"].paginator.num_pages == 2
    assert len(client.get(url, {"page": 2}).context["tickets"]) == 7
    assert client.get(url, {"page": "zzz"}).status_code == 200
    found = client.get(url, {"q": "доставку 1"}).context["tickets"]
    assert {t.subject for t in found} == {
        "Вопрос про доставку 1",
        *(f"Вопрос про доставку {n}" for n in range(10, 20)),
    }
    assert [t.pk for t in client.get(url, {"q": f"#{closed.number}"}).context["tickets"]] == [closed.pk]
    assert [t.pk for t in client.get(url, {"status": "closed"}).context["tickets"]] == [closed.pk]
    assert closed.pk not in [t.pk for t in client.get(url, {"status": "open"}).context["tickets"]]
    assert len(client.get(url, {"category": category.pk}).context["tickets"]) == 5
    active = client.get(url, {"sort": "active"}).context["tickets"]
    assert active[0].subject in ("Вопрос про доставку 0", world.ticket.subject, "Старая закрытая")
    oldest = client.get(url, {"sort": "old"}).context["tickets"]
    assert oldest[0].pk == world.ticket.pk
    # nonsense in a filter is ignored, not an error
    assert client.get(url, {"status": "bogus", "sort": "'; drop", "category": "x"}).status_code == 200
    assert "Nothing matches these filters." in body(client.get(url, {"q": "нет такого"}))


def test_mine_and_company_switch(world):
    configure(visibility=TicketSettings.Visibility.COMPANY)
    colleague = world.client_for(Role.COLLEAGUE)
    own = f.TicketFactory(
        company=world.company, contact=world.user(Role.COLLEAGUE).contact, subject="Мой вопрос"
    )
    url = reverse("tickets:list")
    company_view = body(colleague.get(url))
    assert world.ticket.subject in company_view and own.subject in company_view
    assert 'name="view"' in company_view
    mine = body(colleague.get(url, {"view": "mine"}))
    assert world.ticket.subject not in mine and own.subject in mine
    # by default a member has no switch and sees only his own
    configure(visibility=TicketSettings.Visibility.CONTACT)
    page = body(colleague.get(url))
    assert 'name="view"' not in page and world.ticket.subject not in page and own.subject in page
    # a company admin always has the switch
    assert 'name="view"' in body(world.client_for(Role.COMPANY_ADMIN).get(url))


def test_label_and_status_display_follow_the_settings(world):
    world.ticket.stage.client_name = "Ждём ваших документов"
    world.ticket.stage.save()
    page = body(owner_client(world).get(reverse("tickets:list")))
    assert "Requests" in page and "Ждём ваших документов" not in page and "Open" in page
    configure(label="Cases", status_display=TicketSettings.StatusDisplay.STAGES)
    page = body(owner_client(world).get(reverse("tickets:list")))
    assert "<h1>Cases</h1>" in page and "Ждём ваших документов" in page
    home = body(owner_client(world).get(reverse("portal:home")))
    assert "Cases" in home  # the navigation and the dashboard card use the label too


def test_russian_default_label(world):
    owner = world.user(Role.OWNER)
    owner.language = "ru"
    owner.save()
    assert "Обращения" in body(owner_client(world).get(reverse("tickets:list")))


def test_list_query_budget_with_100k_tickets(world, django_assert_max_num_queries):
    """The client's list keeps its budget however many tickets the database holds."""
    owner = world.user(Role.OWNER)
    stage = world.ticket.stage
    now = timezone.now()
    companies = [world.other_company, *(f.CompanyFactory() for _ in range(3))]
    rows = []
    for n in range(100_000):
        mine = n % 50 == 0
        rows.append(
            Ticket(
                number=f"B{n:07d}",
                subject=f"Bulk ticket {n}",
                company=world.company if mine else companies[n % len(companies)],
                contact=owner.contact if mine else None,
                pipeline_id=stage.pipeline_id,
                stage=stage,
                last_activity_at=now,
            )
        )
    Ticket.objects.bulk_create(rows, batch_size=5000)
    assert Ticket.objects.count() > 100_000
    for role in (Role.OWNER, Role.COMPANY_ADMIN):
        client = world.client_for(role)
        for params in ({}, {"q": "Bulk ticket 5"}, {"status": "open", "sort": "active", "page": "3"}):
            with django_assert_max_num_queries(LIST_BUDGET):
                response = client.get(reverse("tickets:list"), params)
            assert response.status_code == 200
    paginator = response.context["page"].paginator
    assert (paginator.count, paginator.more) == (1000, True)  # 2,001 tickets, counted up to the cap
    colleague = world.client_for(Role.COLLEAGUE)
    with django_assert_max_num_queries(LIST_BUDGET):
        assert colleague.get(reverse("tickets:list")).status_code == 200


# --- new ticket ---------------------------------------------------------------------------------------------


def test_new_ticket_with_two_attachments(world):
    category = f.TicketCategoryFactory(name="Документы")
    client = owner_client(world)
    page = body(client.get(reverse("tickets:new")))
    assert "Документы" in page and "multiple" in page
    response = client.post(
        reverse("tickets:new"),
        {
            "subject": "Нет акта за октябрь",
            "body": "Пришлите, пожалуйста, акт.",
            "category": category.pk,
            "attachments": [pdf("letter.pdf"), png("screen.png")],
        },
    )
    ticket = Ticket.objects.get(subject="Нет акта за октябрь")
    assert response["Location"] == reverse("tickets:detail", args=[ticket.public_id])
    assert ticket.company == world.company and ticket.contact == world.user(Role.OWNER).contact
    assert ticket.category == category and ticket.source == Ticket.Source.PORTAL
    detail = body(client.get(response["Location"]))
    assert "letter.pdf" in detail and "screen.png" in detail


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"subject": "", "body": "text"}, "Enter a subject."),
        ({"subject": "S", "body": "   "}, "Write a message."),
        ({"subject": "S", "body": "x" * 20_001}, "The message is too long"),
        (
            {"subject": "S", "body": "b", "attachments": [html_disguised()]},
            "This kind of file is not accepted",
        ),
        ({"subject": "S", "body": "b", "attachments": [svg()]}, "This kind of file is not accepted"),
        (
            {"subject": "S", "body": "b", "attachments": [pdf(f"{n}.pdf") for n in range(6)]},
            "at most 5 files",
        ),
    ],
    ids=["no subject", "empty", "huge", "html", "svg", "too many files"],
)
def test_new_ticket_bad_input_gets_a_clear_message(world, data, message):
    response = owner_client(world).post(reverse("tickets:new"), data)
    assert response.status_code == 400
    assert message in body(response)
    assert not Ticket.objects.filter(subject="S").exists()


def test_file_too_large_is_refused(world, settings):
    settings.KABINET_MAX_UPLOAD_BYTES = 10
    response = owner_client(world).post(
        reverse("tickets:new"), {"subject": "S", "body": "b", "attachments": [pdf()]}
    )
    assert response.status_code == 400 and "The file is too large" in body(response)


# --- detail, reply, close, rate ---------------------------------------------------------------------------


def test_detail_shows_the_public_conversation_only(world, agent, django_assert_max_num_queries):
    actions.add_agent_reply(
        actor=agent, ticket=world.ticket, body="Публичный ответ", attachments=[pdf("a.pdf")]
    )
    actions.add_internal_note(
        actor=agent, ticket=world.ticket, body="Секретная заметка", attachments=[pdf("s.pdf")]
    )
    client = owner_client(world)
    url = reverse("tickets:detail", args=[world.ticket.public_id])
    client.get(url)
    with django_assert_max_num_queries(DETAIL_BUDGET):
        page = body(client.get(url))
    assert "Публичный ответ" in page and "a.pdf" in page
    assert "Секретная заметка" not in page and "s.pdf" not in page
    for _ in range(30):
        actions.add_agent_reply(actor=agent, ticket=world.ticket, body="Ещё", attachments=[pdf("more.pdf")])
    with django_assert_max_num_queries(DETAIL_BUDGET):
        assert client.get(url).status_code == 200


def test_reply_with_several_attachments(world):
    client = owner_client(world)
    response = client.post(
        reverse("tickets:reply", args=[world.ticket.public_id]),
        {"body": "Вот скриншоты", "attachments": [png("1.png"), png("2.png")]},
    )
    assert response.status_code == 302
    message = world.ticket.messages.get(body="Вот скриншоты")
    assert ClientFile.objects.filter(subject_id=message.pk).count() == 2
    world.ticket.refresh_from_db()
    assert world.ticket.awaiting_agent


def test_empty_reply_gets_a_message(world):
    response = owner_client(world).post(
        reverse("tickets:reply", args=[world.ticket.public_id]), {"body": " "}
    )
    assert response.status_code == 400 and "Write a message." in body(response)


def test_reply_to_closed_ticket_where_not_allowed(world, agent, closed_stage):
    configure(clients_can_reply_to_closed=False)
    actions.change_ticket_stage(actor=agent, ticket=world.ticket, stage=closed_stage)
    client = owner_client(world)
    page = body(client.get(reverse("tickets:detail", args=[world.ticket.public_id])))
    assert "This request is closed and does not accept replies." in page
    assert 'name="body"' not in page
    response = client.post(reverse("tickets:reply", args=[world.ticket.public_id]), {"body": "Ну пожалуйста"})
    assert response.status_code == 400
    assert "This request is closed and does not accept replies. Please open a new request." in body(response)
    assert not world.ticket.messages.filter(body="Ну пожалуйста").exists()


def test_reply_reopens_where_allowed(world, agent, closed_stage):
    actions.change_ticket_stage(actor=agent, ticket=world.ticket, stage=closed_stage)
    client = owner_client(world)
    assert "Your reply will reopen it." in body(
        client.get(reverse("tickets:detail", args=[world.ticket.public_id]))
    )
    client.post(reverse("tickets:reply", args=[world.ticket.public_id]), {"body": "Снова не работает"})
    world.ticket.refresh_from_db()
    assert world.ticket.is_open


def test_close_button_and_setting(world, closed_stage):
    client = owner_client(world)
    url = reverse("tickets:detail", args=[world.ticket.public_id])
    assert "Close the request" in body(client.get(url))
    configure(clients_can_close=False)
    assert "Close the request" not in body(client.get(url))
    response = client.post(reverse("tickets:close", args=[world.ticket.public_id]), follow=True)
    assert "Requests are closed by our staff." in body(response)
    world.ticket.refresh_from_db()
    assert world.ticket.is_open
    configure(clients_can_close=True)
    client.post(reverse("tickets:close", args=[world.ticket.public_id]))
    world.ticket.refresh_from_db()
    assert world.ticket.stage == closed_stage


def test_one_click_rating_in_the_portal_then_a_comment(world, agent, closed_stage):
    actions.change_ticket_stage(actor=agent, ticket=world.ticket, stage=closed_stage)
    client = owner_client(world)
    url = reverse("tickets:detail", args=[world.ticket.public_id])
    assert "How satisfied are you with the answer?" in body(client.get(url))
    client.post(reverse("tickets:rate", args=[world.ticket.public_id]), {"rating": "3"})
    world.ticket.refresh_from_db()
    assert world.ticket.rating == 3
    page = body(client.get(url))
    assert "How satisfied are you" not in page and "Tell us more" in page
    client.post(reverse("tickets:rate", args=[world.ticket.public_id]), {"comment": "Спасибо!"})
    world.ticket.refresh_from_db()
    assert world.ticket.rating_comment == "Спасибо!"
    assert world.ticket.pk in TimelineEntry.objects.filter(event="ticket.rating_commented").values_list(
        "subject_id", flat=True
    )
    bad = client.post(reverse("tickets:rate", args=[world.ticket.public_id]), {"rating": "9"}, follow=True)
    assert "Choose one of the answers" in body(bad) or "Select a valid choice" in body(bad)


def test_emailed_rating_link_works_once_without_signing_in(client, world, agent, closed_stage):
    actions.change_ticket_stage(actor=agent, ticket=world.ticket, stage=closed_stage)
    world.ticket.refresh_from_db()
    token = rating_token(
        ticket_public_id=world.ticket.public_id,
        contact_id=world.ticket.contact_id,
        rating=1,
        nonce=world.ticket.rating_nonce,
    )
    url = reverse("tickets:rate_link", args=[token])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # nobody is signed in: the browser's language counts
    page = body(client.get(url))
    assert "data-autosubmit" in page and "Not satisfied" in page and "tickets/rate.js" in page
    world.ticket.refresh_from_db()
    assert world.ticket.rating is None  # a GET (a mail scanner) casts no vote
    assert "Thank you for your rating!" in body(client.post(url))
    world.ticket.refresh_from_db()
    assert world.ticket.rating == 1
    assert "already been used" in body(client.get(url))
    assert client.post(url).status_code == 409
    other = rating_token(
        ticket_public_id=world.ticket.public_id,
        contact_id=world.user(Role.COLLEAGUE).contact.pk,
        rating=3,
        nonce="x",
    )
    assert client.get(reverse("tickets:rate_link", args=[other])).status_code == 404
    assert client.get(reverse("tickets:rate_link", args=[token[:-2] + "xx"])).status_code == 404


def test_attachments_are_always_downloads(world):
    message = world.ticket.messages.create(body="с файлом", author_contact=world.user(Role.OWNER).contact)
    from django.core.files.base import ContentFile

    from kabinet.files.actions import store_file

    stored = store_file(
        actor=None,
        upload=ContentFile(b"%PDF-1.4\n", name="doc.pdf"),
        company=world.company,
        contact=world.user(Role.OWNER).contact,
        subject=message,
    )
    response = owner_client(world).get(
        reverse("tickets:attachment", args=[world.ticket.public_id, stored.public_id])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_filtered_out_ticket_is_404_everywhere(world):
    configure(sources=["email"])
    client = owner_client(world)
    assert client.get(reverse("tickets:detail", args=[world.ticket.public_id])).status_code == 404
    assert (
        client.post(reverse("tickets:reply", args=[world.ticket.public_id]), {"body": "x"}).status_code == 404
    )
    assert world.ticket.subject not in body(client.get(reverse("tickets:list")))


def test_dashboard_card_and_badge_count_open_tickets(world, closed_stage):
    owner = world.user(Role.OWNER)
    for _ in range(3):
        f.TicketFactory(company=world.company, contact=owner.contact)
    f.TicketFactory(
        company=world.company, contact=owner.contact, stage=closed_stage, closed_at=timezone.now()
    )
    response = owner_client(world).get(reverse("portal:home"))
    card = next(c["context"] for c in response.context["cards"] if c["key"] == "tickets")
    assert card["total"] == 4 and len(card["tickets"]) == 4
    badges = owner_client(world).get(reverse("portal:nav_badges")).content.decode()
    assert 'id="nav-badge-tickets" hx-swap-oob="true">4<' in badges
    other = world.client_for(Role.OTHER_CLIENT).get(reverse("portal:home"))
    assert next(c["context"] for c in other.context["cards"] if c["key"] == "tickets")["total"] == 1


def test_stage_names_shown_only_in_stage_mode(world, agent):
    stage = f.StageFactory(
        pipeline=world.ticket.pipeline, client_name="Передано инженеру", kind=Stage.Kind.OPEN
    )
    actions.change_ticket_stage(actor=agent, ticket=world.ticket, stage=stage)
    url = reverse("tickets:detail", args=[world.ticket.public_id])
    assert "Передано инженеру" not in body(owner_client(world).get(url))
    configure(status_display=TicketSettings.StatusDisplay.STAGES)
    assert "Передано инженеру" in body(owner_client(world).get(url))


def test_client_copies_a_colleague(world):
    client = owner_client(world)
    colleague = world.user(Role.COLLEAGUE)
    data = {"subject": "С копией", "body": "Текст", "cc": colleague.email.upper()}
    bad = client.post(
        reverse("tickets:new"), {**data, "cc": f"{colleague.email}, {world.user(Role.OTHER_CLIENT).email}"}
    )
    assert bad.status_code == 400 and "Not a colleague from your company: other@example.test" in body(bad)
    assert "is not an email address" in body(
        client.post(reverse("tickets:new"), {**data, "cc": "not-an-email"})
    )
    assert not Ticket.objects.filter(subject="С копией").exists()
    client.post(reverse("tickets:new"), data)
    ticket = Ticket.objects.get(subject="С копией")
    assert list(ticket.cc.all()) == [colleague.contact]
    assert colleague.contact.full_name in body(client.get(reverse("tickets:detail", args=[ticket.public_id])))
    assert (
        world.client_for(Role.COLLEAGUE).get(reverse("tickets:detail", args=[ticket.public_id])).status_code
        == 200
    )


def test_private_person_has_no_cc_field(db):
    person = f.client_user(company=None)
    from django.test import Client

    client = Client()
    client.force_login(person)
    assert 'name="cc"' not in body(client.get(reverse("tickets:new")))
