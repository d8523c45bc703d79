"""HubSpot against its documented shapes, served by a local stand-in (``kabinet.testing.hubspot``)."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.conf import settings
from django.urls import reverse

from kabinet.crm.models import Company, Contact, Order
from kabinet.integrations.crm.hubspot import BURST, RATE_PER_SECOND
from kabinet.sync import actions, engine, writeback
from kabinet.sync.models import Connection, Link, PipelineMap, Push, Run
from kabinet.testing.hubspot import PIPELINE, HubSpotStandIn

pytestmark = pytest.mark.django_db
SECRET = "hub-client-secret-1"  # noqa: S105 - the stand-in's


@pytest.fixture
def stand(httpserver):
    account = HubSpotStandIn()
    httpserver.expect_request(re.compile(r"^/crm/.*")).respond_with_handler(account.handler)
    httpserver.expect_request("/oauth/v1/token", method="POST").respond_with_handler(account.token_handler)
    return account


def connect(httpserver, **extra) -> Connection:
    config = {
        "api_url": httpserver.url_for("").rstrip("/"),
        "access_token": "pat-eu1-hub-1",
        "client_secret": SECRET,
        "portal_id": "62515",
        **extra,
    }
    connection = actions.save_connection(
        actor=None, connection=Connection(name="HubSpot", provider="hubspot"), config=config
    )
    actions.load_pipelines(actor=None, connection=connection)
    actions.mirror_pipeline(
        actor=None, pipeline_map=PipelineMap.objects.get(connection=connection, crm_id=PIPELINE)
    )
    return Connection.objects.get(pk=connection.pk)


def fresh(connection: Connection) -> Connection:
    return Connection.objects.get(pk=connection.pk)


def fill(stand: HubSpotStandIn, deals: int) -> list[str]:
    anna = stand.add_contact("Анна", "Петрова", phone="+7 916 123-45-67", email="anna@romashka.test")
    ivan = stand.add_contact("Иван", phone="+79262345678")
    romashka = stand.add_company("ООО «Ромашка»")
    return [
        stand.add_deal(
            f"Сделка {n}",
            amount=f"{1500 + n}.50",
            contact=(anna, ivan)[n % 2],
            company=romashka if n % 2 == 0 else "",
        )
        for n in range(deals)
    ]


def test_closed_won_and_lost_stages_become_won_and_lost(stand, httpserver):
    connection = connect(httpserver)
    maps = connection.stage_maps.filter(crm_pipeline_id=PIPELINE).select_related("stage")
    kinds = {row.crm_id: row.stage.kind for row in maps}
    assert kinds == {
        "appointmentscheduled": "open",
        "qualifiedtobuy": "open",
        "contractsent": "open",
        "closedwon": "won",
        "closedlost": "lost",
    }


def test_the_first_import_pages_by_paging_next_after_with_v4_associations(stand, httpserver):
    stand.page_cap = 10  # a small page, so three pages
    connection = connect(httpserver)
    fill(stand, 25)
    run = engine.pull(connection, sleep=lambda s: None)
    assert (run.status, run.created, run.pages) == ("ok", 25, 3), run.error
    order = Order.objects.get(title="Сделка 4")
    assert order.amount == 1504.5 and order.company.name == "ООО «Ромашка»"
    assert order.contact.phones.get().phone == "+79161234567"
    assert Order.objects.get(title="Сделка 3").company is None
    assert Contact.objects.count() == 2 and Company.objects.filter(name="ООО «Ромашка»").count() == 1
    lists = [r for r, _ in httpserver.log if r.path == "/crm/v3/objects/deals"]
    assert "after" not in lists[0].args and lists[1].args["after"] == lists[0].args.get("after", "") or True
    assert [bool(r.args.get("after")) for r in lists] == [False, True, True]
    batch = [r for r, _ in httpserver.log if r.path.startswith("/crm/v4/associations/deals/")]
    assert len(batch) == 6  # contacts and companies, one call each per page
    assert fresh(connection).cursor is not None


def test_an_incremental_pull_searches_by_hs_lastmodifieddate_and_slices_past_the_cap(stand, httpserver):
    connection = connect(httpserver)
    deals = fill(stand, 12)
    engine.pull(connection, sleep=lambda s: None)
    for deal_id in deals:
        stand.update("deals", deal_id, amount="99")
    stand.search_cap = 4  # the documented 10,000, scaled down: one query cannot page past it
    from kabinet.integrations.crm import hubspot

    httpserver.clear_log()
    original = hubspot.SEARCH_CAP
    hubspot.SEARCH_CAP, hubspot.PAGE = 4, 2
    try:
        run = engine.pull(fresh(connection), sleep=lambda s: None)
    finally:
        hubspot.SEARCH_CAP, hubspot.PAGE = original, 100
    assert run.status == "ok", run.error
    assert Order.objects.filter(amount=99).count() == 12
    searches = [json.loads(r.data) for r, _ in httpserver.log if r.path.endswith("/search")]
    assert all(
        s["sorts"] == [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}] for s in searches
    )
    bounds = [s["filterGroups"][0]["filters"][0]["value"] for s in searches]
    offsets = [s["after"] for s in searches]
    assert max(int(o or 0) for o in offsets) + 2 <= 4  # never past the cap
    assert len(set(bounds)) >= 3 and bounds == sorted(bounds, key=int)  # new slices, moving forward


def test_a_stage_change_reaches_the_order_through_a_signed_webhook(
    stand, httpserver, client, django_capture_on_commit_callbacks
):
    connection = connect(httpserver)
    [deal, _other] = fill(stand, 2)
    engine.pull(connection, sleep=lambda s: None)
    stand.update("deals", deal, dealstage="closedwon")
    path = reverse("webhooks:inbox", args=[connection.inbox_source.path_secret])
    uri = settings.SITE_URL + path
    now_ms = int(datetime.datetime.now(tz=datetime.UTC).timestamp() * 1000)
    event = stand.event("deal.propertyChange", deal, propertyName="dealstage", propertyValue="closedwon")
    body, headers = stand.signed([event, event], secret=SECRET, uri=uri, timestamp_ms=now_ms)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, data=body, content_type="application/json", headers=headers)
    assert response.status_code == 202
    assert Order.objects.get(title="Сделка 0").stage.kind == "won"
    assert Run.objects.filter(kind="webhook").count() == 1  # the eventId twice in the batch: once

    def deliver(events, **kw):
        body, headers = stand.signed(events, secret=kw.pop("secret", SECRET), uri=uri, **kw)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(path, data=body, content_type="application/json", headers=headers)

    stand.update("deals", deal, dealstage="closedlost")
    deliver([stand.event("deal.propertyChange", deal)], secret="forged", timestamp_ms=now_ms)
    deliver([stand.event("deal.propertyChange", deal)], timestamp_ms=now_ms - 6 * 60 * 1000)  # replayed
    deliver([stand.event("deal.propertyChange", deal, portal_id=1)], timestamp_ms=now_ms)  # another account
    assert Order.objects.get(title="Сделка 0").stage.kind == "won"
    effects = [e.effect.result for e in connection.inbox_source.events.order_by("id")[1:]]
    assert [r.get("refused", "")[:20] for r in effects] == [
        "the signature does n",
        "the event's timestam",
        "the event names anot",
    ]

    stand.objects["deals"][deal]["archived"] = True  # deleted in HubSpot: GET answers 404
    deliver([stand.event("deal.deletion", deal, changeFlag="DELETED")], timestamp_ms=now_ms)
    assert Link.objects.get(kind="deal", crm_id=deal).deleted_in_crm


def test_a_429_of_the_ten_second_window_is_retried_the_daily_quota_is_not(stand, httpserver):
    connection = connect(httpserver)
    fill(stand, 2)
    stand.refuse_next(
        429,
        "You have reached your ten_secondly_rolling limit.",
        "RATE_LIMITS",
        policyName="TEN_SECONDLY_ROLLING",
    )
    waits: list[float] = []
    assert engine.pull(connection, sleep=waits.append).status == "ok"
    assert any(w >= 1.0 for w in waits)

    stand.refuse_next(429, "You have reached your daily limit.", "RATE_LIMITS", policyName="DAILY")
    stand.update("deals", next(iter(stand.objects["deals"])), amount="1")
    calls = len(stand.calls)
    run = engine.pull(fresh(connection), sleep=lambda s: None)
    assert run.status == Run.Status.FAILED and "DAILY" in run.error and "daily limit" in run.error
    assert len(stand.calls) == calls + 1  # not retried
    assert fresh(connection).status == Connection.Status.FAILING


def test_the_bucket_keeps_under_190_requests_in_any_ten_seconds():
    from kabinet.integrations.crm.http import account_bucket
    from kabinet.integrations.crm.hubspot import HubSpotProvider

    provider = HubSpotProvider({"access_token": "t"}, sleep=lambda s: None)
    bucket = account_bucket(provider, rate=RATE_PER_SECOND, capacity=BURST)
    times, now = [], 0.0
    for _ in range(600):
        now += bucket.take()
        times.append(now)
    assert max(sum(1 for t in times if start <= t < start + 10) for start in times) <= 190
    assert times[-1] < 600 / RATE_PER_SECOND  # and it does not crawl either


def test_an_expired_oauth_token_is_refreshed_and_stored_a_revoked_one_stops(stand, httpserver):
    connection = connect(httpserver, refresh_token="hub-refresh-1", client_id="c-1")
    fill(stand, 3)
    stand.access_token = "hub-token-2"  # 30 minutes passed
    stand.refresh_tokens["hub-refresh-1"] = "hub-token-2"
    run = engine.pull(connection, sleep=lambda s: None)
    assert run.status == "ok" and run.created == 3, run.error
    config = fresh(connection).config()
    assert config["access_token"] == "hub-token-2" and config["refresh_token"] == "refresh-after-hub-token-2"
    [token_call] = [r for r, _ in httpserver.log if r.path == "/oauth/v1/token"]
    assert token_call.form["grant_type"] == "refresh_token" and token_call.form["client_secret"] == SECRET

    stand.access_token = "hub-token-3"  # revoked in HubSpot: the refresh token is refused too
    stand.update("deals", next(iter(stand.objects["deals"])), amount="2")
    run = engine.pull(fresh(connection), sleep=lambda s: None)
    assert run.status == Run.Status.STOPPED and "refresh token" in run.error
    assert fresh(connection).status == Connection.Status.STOPPED


def test_a_missing_scope_stops_with_hubspots_words(stand, httpserver):
    connection = connect(httpserver)
    fill(stand, 1)
    stand.refuse_next(
        403,
        "This app hasn't been granted all required scopes to make this call.",
        "MISSING_SCOPES",
    )
    run = engine.pull(connection, sleep=lambda s: None)
    assert run.status == Run.Status.STOPPED
    assert run.error.startswith("MISSING_SCOPES: This app hasn't been granted")


def test_a_deal_fetched_again_reads_its_v4_associations_and_custom_properties(stand, httpserver):
    connection = connect(httpserver, deal_properties="delivery_date")
    Connection.objects.filter(pk=connection.pk).update(custom_fields={"delivery_date": "Доставка"})
    [deal] = fill(stand, 1)
    stand.update("deals", deal, delivery_date="2026-12-24")
    run = engine.pull_deal(fresh(connection), deal, sleep=lambda s: None)
    assert run.created == 1, run.error
    order = Order.objects.get()
    assert order.custom_fields == [
        {
            "code": "delivery_date",
            "label": dict.fromkeys(("ru", "en", "pl"), "Доставка"),
            "type": "text",
            "value": "2026-12-24",
        }
    ]
    assert order.company.name == "ООО «Ромашка»"
    paths = [r.path for r, _ in httpserver.log if "/associations/" in r.path]
    assert paths == [
        f"/crm/v4/objects/deals/{deal}/associations/contacts",
        f"/crm/v4/objects/deals/{deal}/associations/companies",
    ]


def test_a_note_on_the_deal_is_the_write_back(stand, httpserver):
    connection = connect(httpserver)
    [deal] = fill(stand, 1)
    engine.pull(connection, sleep=lambda s: None)
    push = Push.objects.create(connection=connection, entity="deal", entity_id=deal, text="Клиент подтвердил")
    assert writeback.deliver(push.pk, sleep=lambda s: None) == Push.Status.SENT
    [note] = stand.notes
    assert note["properties"]["hs_note_body"] == "Клиент подтвердил"
    assert note["associations"] == [
        {"to": {"id": deal}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 214}]}
    ]
    assert Push.objects.get().remote_id == note["id"]


def test_the_signature_is_judged_at_the_time_the_inbox_received_the_event():
    from kabinet.core.providers.crm import CrmError
    from kabinet.integrations.crm.hubspot import HubSpotProvider

    provider = HubSpotProvider({"access_token": "t", "client_secret": SECRET})
    received = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
    stamp = int(received.timestamp() * 1000) - 4 * 60 * 1000  # 4 minutes before it reached the inbox
    uri = "https://kabinet.example/hooks/in/abc/"
    body, headers = HubSpotStandIn.signed(
        [{"eventId": 1, "subscriptionType": "deal.creation", "objectId": 7, "portalId": 1}],
        secret=SECRET,
        uri=uri,
        timestamp_ms=stamp,
    )
    # a job retried an hour later still accepts it: the age is the inbox's, not the job's
    assert provider.webhook_deal_ids(body, url=uri, headers=headers, received_at=received) == ["7"]
    late = received + datetime.timedelta(minutes=2)
    with pytest.raises(CrmError, match="more than 5 minutes"):
        provider.webhook_deal_ids(body, url=uri, headers=headers, received_at=late)
    with pytest.raises(CrmError, match="signature does not match"):
        provider.webhook_deal_ids(body, url=uri + "?x=1", headers=headers, received_at=received)
    with pytest.raises(CrmError, match="no client secret"):
        HubSpotProvider({"access_token": "t"}).webhook_deal_ids(body, url=uri, headers=headers)


# --- tickets ----------------------------------------------------------------------------------------------


def connect_tickets(httpserver) -> Connection:
    connection = connect(httpserver)
    actions.mirror_pipeline(
        actor=None, pipeline_map=PipelineMap.objects.get(connection=connection, crm_id="ticket:0")
    )
    return fresh(connection)


def test_ticket_pipelines_map_ticket_state_open_and_closed(stand, httpserver):
    connection = connect_tickets(httpserver)
    maps = connection.stage_maps.filter(crm_pipeline_id="ticket:0").select_related("stage__pipeline")
    assert {m.crm_id: m.stage.kind for m in maps} == {"1": "open", "2": "open", "3": "open", "4": "closed"}
    assert {m.stage.pipeline.kind for m in maps} == {"ticket"}
    assert {m.stage.client_name for m in maps} >= {"Waiting on us", "Closed"}


def test_a_hubspot_ticket_reaches_the_client_and_a_reply_goes_back_as_a_note(
    stand, httpserver, client, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from kabinet.crm.models import ContactEmail
    from kabinet.sync import tasks
    from kabinet.testing.factories import client_user
    from kabinet.tickets import actions as ticket_actions
    from kabinet.tickets.models import Ticket

    user = client_user(company=None, email="anna@romashka.test")
    ContactEmail.objects.filter(email="anna@romashka.test").update(verified_at=timezone.now())
    connection = connect_tickets(httpserver)
    anna = stand.add_contact("Анна", "Петрова", email="anna@romashka.test")
    crm_ticket = stand.add_ticket("Не работает доступ", content="Со вчера не открывается", contact=anna)
    stand.add_ticket("Чужая заявка без контакта")

    assert tasks.run_pull(connection.pk) == "ok"
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.contact, ticket.stage.client_name) == (
        "Не работает доступ",
        user.contact,
        "New",
    )
    assert ticket.messages.get().body == "Со вчера не открывается"
    assert connection.conflicts.get().reason.endswith("the ticket has no contact")
    assert fresh(connection).ticket_cursor is not None

    # the client answers in Kabinet: a note on the HubSpot ticket (association type 228)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_actions.add_client_reply(
            actor=user, ticket=ticket, contact=user.contact, body="Снова не пускает"
        )
    push = Push.objects.get(entity="ticket")
    writeback.deliver(push.pk, sleep=lambda s: None)  # in case the job ran without the stand-in's sleep
    [note] = stand.notes
    assert "Снова не пускает" in note["properties"]["hs_note_body"]
    assert note["associations"][0]["to"] == {"id": crm_ticket}
    assert note["associations"][0]["types"][0]["associationTypeId"] == 228
    assert Push.objects.get().status == Push.Status.SENT

    # HubSpot's agent closes it: the event batch names the ticket, which is fetched again
    stand.update("tickets", crm_ticket, hs_pipeline_stage="4")
    path = reverse("webhooks:inbox", args=[connection.inbox_source.path_secret])
    now_ms = int(datetime.datetime.now(tz=datetime.UTC).timestamp() * 1000)
    body, headers = stand.signed(
        [
            stand.event(
                "ticket.propertyChange", crm_ticket, propertyName="hs_pipeline_stage", propertyValue="4"
            )
        ],
        secret=SECRET,
        uri=settings.SITE_URL + path,
        timestamp_ms=now_ms,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client.post(path, data=body, content_type="application/json", headers=headers).status_code == 202
        )
    ticket.refresh_from_db()
    assert ticket.stage.kind == "closed" and ticket.closed_at is not None
    client.force_login(user)
    page = client.get(reverse("tickets:detail", args=[ticket.public_id]))
    assert page.status_code == 200 and "Не работает доступ" in page.content.decode()


# --- ticket conversations: agents' answers in, tickets opened in Kabinet out -------------------------------


def anna_in_kabinet(email: str = "anna@romashka.test"):
    from django.utils import timezone

    from kabinet.crm.models import ContactEmail
    from kabinet.testing.factories import client_user

    user = client_user(company=None, email=email)
    ContactEmail.objects.filter(email=email).update(verified_at=timezone.now())
    return user


def ticket_event(stand: HubSpotStandIn, connection: Connection, client, capture, crm_ticket: str) -> None:
    """HubSpot's signed batch naming the ticket (an association added: a note, an email), through the inbox."""
    path = reverse("webhooks:inbox", args=[connection.inbox_source.path_secret])
    now_ms = int(datetime.datetime.now(tz=datetime.UTC).timestamp() * 1000)
    event = stand.event("ticket.associationChange", crm_ticket, changeFlag="ASSOCIATION_ADDED")
    body, headers = stand.signed([event], secret=SECRET, uri=settings.SITE_URL + path, timestamp_ms=now_ms)
    with capture(execute=True):
        assert (
            client.post(path, data=body, content_type="application/json", headers=headers).status_code == 202
        )


def test_agents_notes_and_emails_become_staff_replies_once_and_kabinets_own_notes_stay_out(
    stand, httpserver, client, django_capture_on_commit_callbacks
):
    from kabinet.sync import tasks
    from kabinet.testing.factories import support_agent
    from kabinet.tickets import actions as ticket_actions
    from kabinet.tickets.models import Ticket, TicketEmail, TicketSettings

    user = anna_in_kabinet()
    olga = support_agent(email="olga@firm.test")
    connection = connect_tickets(httpserver)
    Connection.objects.filter(pk=connection.pk).update(managers={"75123": "olga@firm.test"})
    anna = stand.add_contact("Анна", "Петрова", email="anna@romashka.test")
    crm_ticket = stand.add_ticket("Не работает доступ", content="Со вчера не открывается", contact=anna)
    stand.add_note(crm_ticket, "<p>Проверяем доступ,</p><p>ответим сегодня</p>", owner="75123")  # history

    assert tasks.run_pull(connection.pk) == "ok"
    ticket = Ticket.objects.get()
    first, history = ticket.messages.order_by("id")
    assert (history.body, history.author_user, history.author_contact) == (
        "Проверяем доступ,\nответим сегодня",
        olga,
        None,
    )
    assert not TicketEmail.objects.exists()  # a ticket's history comes in silently on its first import

    with django_capture_on_commit_callbacks(execute=True):  # the client answers: a note on HubSpot's ticket
        ticket_actions.add_client_reply(
            actor=user, ticket=ticket, contact=user.contact, body="Снова не пускает"
        )
    writeback.deliver(Push.objects.get().pk, sleep=lambda s: None)
    assert Push.objects.get().status == Push.Status.SENT

    stand.add_note(
        crm_ticket, Push.objects.get().text
    )  # a second copy: a delivery repeated after a lost answer
    stand.add_email(crm_ticket, "Сбросили пароль, попробуйте снова.")  # an agent's email, no owner mapped
    stand.add_email(crm_ticket, "Спасибо!", direction="INCOMING_EMAIL")  # the client's own mail
    ticket_event(stand, connection, client, django_capture_on_commit_callbacks, crm_ticket)
    ticket_event(stand, connection, client, django_capture_on_commit_callbacks, crm_ticket)  # once only
    bodies = list(ticket.messages.order_by("id").values_list("body", "author_user", "author_contact"))
    assert bodies[2:] == [
        ("Снова не пускает", user.pk, user.contact.pk),
        ("Сбросили пароль, попробуйте снова.", None, None),  # "Support team" in the portal
    ]
    assert Link.objects.filter(kind="message").count() == 2
    [mail] = TicketEmail.objects.all()  # the client is told as for any agent's reply
    assert (mail.kind, mail.contact_id, mail.message.body) == (
        TicketEmail.Kind.MESSAGE,
        user.contact.pk,
        "Сбросили пароль, попробуйте снова.",
    )
    ticket.refresh_from_db()
    assert ticket.awaiting_agent is False

    # the client reads it, with the status the settings choose: Open/Closed, or HubSpot's custom stages
    client.force_login(user)
    url = reverse("tickets:detail", args=[ticket.public_id])
    page = client.get(url).content.decode()
    assert "Сбросили пароль" in page and "Support team" in page and 'ticket-status open">Open' in page
    ticket_actions.save_ticket_settings(
        actor=None, settings_row=TicketSettings(status_display=TicketSettings.StatusDisplay.STAGES)
    )
    assert ">New</span>" in client.get(url).content.decode()


def test_a_reply_on_a_ticket_the_portals_filters_keep_out_is_stored_but_not_announced(
    stand, httpserver, client, django_capture_on_commit_callbacks
):
    from kabinet.crm.models import Pipeline
    from kabinet.sync import tasks
    from kabinet.tickets import actions as ticket_actions
    from kabinet.tickets.models import Ticket, TicketEmail, TicketSettings

    user = anna_in_kabinet()
    connection = connect_tickets(httpserver)
    anna = stand.add_contact("Анна", email="anna@romashka.test")
    crm_ticket = stand.add_ticket("Внутренняя проверка", contact=anna)
    assert tasks.run_pull(connection.pk) == "ok"
    other = Pipeline.objects.create(name="Другая", kind=Pipeline.Kind.TICKET)
    row = ticket_actions.save_ticket_settings(actor=None, settings_row=TicketSettings())
    row.pipelines.set([other])
    ticket_actions.ticket_settings_changed(actor=None)
    stand.add_note(crm_ticket, "Заметка агента")
    ticket_event(stand, connection, client, django_capture_on_commit_callbacks, crm_ticket)
    ticket = Ticket.objects.get()
    assert ticket.messages.filter(body="Заметка агента").exists()
    assert not TicketEmail.objects.exists()
    client.force_login(user)
    assert client.get(reverse("tickets:detail", args=[ticket.public_id])).status_code == 404


def synced_client(stand: HubSpotStandIn, httpserver):
    """Anna's deal brings her contact and company into Kabinet; she has an account on that contact."""
    connection = connect_tickets(httpserver)
    [deal, _other] = fill(stand, 2)
    assert engine.pull(connection, sleep=lambda s: None).status == "ok"
    contact = Contact.objects.get(first_name="Анна")
    user = anna_in_kabinet(email="anna-portal@romashka.test")
    Contact.objects.filter(pk=user.contact.pk).delete()
    contact.user = user
    contact.save()
    crm_ids = (stand.associations[(deal, "contacts")][0][0], stand.associations[(deal, "companies")][0][0])
    pipeline = PipelineMap.objects.get(connection=connection, crm_id="ticket:0").pipeline
    return connection, user, contact, Company.objects.get(), crm_ids, pipeline


def test_a_ticket_opened_in_kabinet_is_created_in_hubspot_and_its_replies_follow_as_notes(
    stand, httpserver, django_capture_on_commit_callbacks
):
    from kabinet.sync import tasks
    from kabinet.tickets import actions as ticket_actions
    from kabinet.tickets.models import Ticket

    connection, user, contact, company, (anna_crm, romashka_crm), pipeline = synced_client(stand, httpserver)

    with django_capture_on_commit_callbacks(execute=False):  # the job runs later: the reply comes first
        ticket = ticket_actions.create_ticket(
            actor=user,
            subject="Нужен акт сверки",
            body="Пришлите акт за ноябрь",
            company=company,
            contact=contact,
            pipeline=pipeline,
        )
        ticket_actions.add_client_reply(actor=user, ticket=ticket, contact=contact, body="И за октябрь")
    opening, reply = Push.objects.order_by("id")
    assert (opening.entity, opening.entity_id, reply.entity_id) == (
        "new_ticket",
        str(ticket.pk),
        f"pending:{ticket.pk}",
    )
    assert writeback.deliver(reply.pk, sleep=lambda s: None) == "waiting"  # HubSpot has no ticket yet
    assert writeback.deliver(opening.pk, sleep=lambda s: None) == Push.Status.SENT
    [created] = stand.created_tickets
    assert created["properties"] == {
        "subject": "Нужен акт сверки",
        "content": "Пришлите акт за ноябрь",
        "hs_pipeline": "0",
        "hs_pipeline_stage": "1",
    }
    assert [(a["to"]["id"], a["types"][0]["associationTypeId"]) for a in created["associations"]] == [
        (anna_crm, 16),
        (romashka_crm, 339),
    ]
    assert Link.objects.get(kind="ticket", object_id=ticket.pk).crm_id == created["id"]
    assert writeback.deliver(reply.pk, sleep=lambda s: None) == Push.Status.SENT
    [note] = stand.notes
    assert (
        note["associations"][0]["to"] == {"id": created["id"]}
        and "И за октябрь" in note["properties"]["hs_note_body"]
    )
    assert writeback.deliver(opening.pk) == "skipped"  # delivered once

    # the next pull matches HubSpot's ticket to Kabinet's, and the reply's note does not come back
    stand.update("tickets", created["id"], hs_pipeline_stage="3")
    assert tasks.run_pull(connection.pk) == "ok"
    ticket = Ticket.objects.get()
    assert ticket.stage.client_name == "Waiting on us"
    assert list(ticket.messages.order_by("id").values_list("body", flat=True)) == [
        "Пришлите акт за ноябрь",
        "И за октябрь",
    ]


def test_a_429_and_an_expired_token_in_the_middle_of_the_replies_read(stand, httpserver):
    from kabinet.sync import tickets as ticket_sync
    from kabinet.tickets.models import Ticket

    anna_in_kabinet()
    connection = connect_tickets(httpserver)
    connection = actions.save_connection(
        actor=None,
        connection=connection,
        config={**connection.config(), "refresh_token": "hub-refresh-1", "client_id": "c-1"},
    )
    anna = stand.add_contact("Анна", email="anna@romashka.test")
    for n in range(3):
        stand.add_note(stand.add_ticket(f"Заявка {n}", contact=anna), f"Ответ {n}")
    stand.refuse_next(
        429,
        "You have reached your ten_secondly_rolling limit.",
        "RATE_LIMITS",
        policyName="TEN_SECONDLY_ROLLING",
        path="/crm/v3/objects/notes/batch/read",
    )
    # tickets list, their contacts, their companies: then the token's 30 minutes are over
    stand.expire_token_after(3, refresh_token="hub-refresh-1", renewed="hub-token-2")
    waits: list[float] = []
    run = ticket_sync.pull_tickets(fresh(connection), sleep=waits.append)
    assert run.status == "ok" and run.created == 3, run.error
    assert {t.subject: list(t.messages.values_list("body", flat=True)) for t in Ticket.objects.all()} == {
        f"Заявка {n}": [f"Заявка {n}", f"Ответ {n}"] for n in range(3)
    }
    assert any(w >= 1.0 for w in waits)  # the 429 was waited out
    assert fresh(connection).config()["access_token"] == "hub-token-2"
    calls = [c for c in stand.calls if "batch/read" in c]
    assert calls == [
        "POST /crm/v4/associations/tickets/contacts/batch/read",
        "POST /crm/v4/associations/tickets/companies/batch/read",
        "POST /crm/v4/associations/tickets/notes/batch/read",  # 401: refreshed, asked again
        "POST /crm/v4/associations/tickets/notes/batch/read",
        "POST /crm/v3/objects/notes/batch/read",  # 429: waited, asked again
        "POST /crm/v3/objects/notes/batch/read",
        "POST /crm/v4/associations/tickets/emails/batch/read",
    ]


def test_budget_the_answers_of_a_page_of_tickets_cost_a_fixed_number_of_reads(stand, httpserver):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from kabinet.sync import tickets as ticket_sync

    anna_in_kabinet()
    connection = connect_tickets(httpserver)
    anna = stand.add_contact("Анна", email="anna@romashka.test")
    for n in range(40):  # a realistic page: 40 tickets, each with an agent's answer
        stand.add_note(stand.add_ticket(f"Заявка {n}", contact=anna), f"Ответ {n}")
    assert ticket_sync.pull_tickets(fresh(connection), sleep=lambda s: None).status == "ok"
    context = engine.Context.load(fresh(connection), engine.provider_for(connection))
    crm_tickets = context.provider.tickets(modified_since=None).tickets
    replies = ticket_sync.fetch_replies(context, crm_tickets)
    assert sum(len(r) for r in replies.values()) == 40
    with CaptureQueriesContext(db) as queries:
        assert ticket_sync.apply_replies(context, replies) == 0  # read again: nothing new, one query
    assert len(queries) == 1


def test_a_creation_hubspot_refuses_gives_up_with_its_waiting_replies_an_unmapped_pipeline_stays_a_note(
    stand, httpserver, django_capture_on_commit_callbacks
):
    from kabinet.crm.models import Pipeline
    from kabinet.testing.factories import PipelineFactory, StageFactory
    from kabinet.tickets import actions as ticket_actions

    _connection, user, contact, _company, (anna_crm, _romashka), pipeline = synced_client(stand, httpserver)
    own_stage = StageFactory(
        pipeline=PipelineFactory(kind=Pipeline.Kind.TICKET, is_default=False), kind="open"
    )
    with django_capture_on_commit_callbacks(execute=False):
        ticket = ticket_actions.create_ticket(
            actor=user, subject="Акт", body="Пришлите акт", company=None, contact=contact, pipeline=pipeline
        )
        ticket_actions.add_client_reply(actor=user, ticket=ticket, contact=contact, body="Срочно")
        other = ticket_actions.create_ticket(  # a pipeline of Kabinet's own: no HubSpot pipeline maps it
            actor=user, subject="Другое", body="Вопрос", company=None, contact=contact, stage=own_stage
        )
    opening, reply, note = Push.objects.order_by("id")
    stand.refuse_next(404, "resource not found", "OBJECT_NOT_FOUND", path="/crm/v3/objects/tickets")
    assert writeback.deliver(opening.pk, sleep=lambda s: None) == Push.Status.DEAD
    assert writeback.deliver(reply.pk, sleep=lambda s: None) == Push.Status.DEAD
    assert "never reached the CRM" in Push.objects.get(pk=reply.pk).last_error
    assert Link.objects.get(kind="ticket", object_id=ticket.pk).deleted_in_crm  # later replies stay home
    assert (note.entity, note.entity_id) == ("contact", anna_crm) and "Другое" in note.text
    assert writeback.deliver(note.pk, sleep=lambda s: None) == Push.Status.SENT
    assert not stand.created_tickets and not Link.objects.filter(kind="ticket", object_id=other.pk).exists()
