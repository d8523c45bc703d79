"""amoCRM / Kommo against its documented API v4 shapes, served by a local stand-in (``kabinet.testing.amocrm``)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from kabinet.crm.models import Contact, Order
from kabinet.sync import actions, engine, writeback
from kabinet.sync.models import Connection, Link, PipelineMap, Push, Run
from kabinet.testing.amocrm import PIPELINE, AmoCrmStandIn

pytestmark = pytest.mark.django_db


@pytest.fixture
def stand(httpserver):
    account = AmoCrmStandIn()
    httpserver.expect_request(re.compile(r"^/api/v4/.*")).respond_with_handler(account.handler)
    httpserver.expect_request("/oauth2/access_token", method="POST").respond_with_handler(
        account.token_handler
    )
    return account


def connect(httpserver, **extra) -> Connection:
    config = {
        "base_url": httpserver.url_for("").rstrip("/"),
        "account_id": "29085955",
        "access_token": "amo-token-1",
        **extra,
    }
    connection = actions.save_connection(
        actor=None, connection=Connection(name="amoCRM", provider="amocrm"), config=config
    )
    actions.load_pipelines(actor=None, connection=connection)
    actions.mirror_pipeline(
        actor=None, pipeline_map=PipelineMap.objects.get(connection=connection, crm_id=str(PIPELINE))
    )
    return Connection.objects.get(pk=connection.pk)


def fresh(connection: Connection) -> Connection:
    return Connection.objects.get(pk=connection.pk)


def fill(stand: AmoCrmStandIn, leads: int) -> list[int]:
    people = [
        stand.add_contact("Анна", "Петрова", phone="+79161234567", email="anna@romashka.test"),
        stand.add_contact("Иван", phone="+79262345678"),
    ]
    return [stand.add_lead(f"Сделка {n}", price=1500 + n, contact=people[n % 2]) for n in range(leads)]


def test_statuses_142_and_143_are_won_and_lost(stand, httpserver):
    connection = connect(httpserver)
    kinds = {row.crm_id: row.stage.kind for row in connection.stage_maps.select_related("stage")}
    assert kinds["142"] == "won" and kinds["143"] == "lost" and kinds["4100001"] == "open"


def test_leads_page_by_links_next_and_an_empty_page_is_204_not_an_error(stand, httpserver):
    stand.limit_cap = 10  # a small account page, so three pages
    connection = connect(httpserver)
    fill(stand, 25)
    run = engine.pull(connection, sleep=lambda s: None)
    assert (run.status, run.created, run.pages) == ("ok", 25, 3), run.error
    assert Contact.objects.count() == 2
    assert Order.objects.get(title="Сделка 3").contact.phones.get().phone == "+79262345678"
    lists = [r for r, _ in httpserver.log if r.path == "/api/v4/leads"]
    assert lists[0].args["with"] == "contacts" and lists[1].args["page"] == "2"

    httpserver.clear_log()
    stand.clock += 100  # nothing changed since: the page after the cursor is empty, answered 204
    Connection.objects.filter(pk=connection.pk).update(cursor="2030-01-01T00:00Z")
    run = engine.pull(fresh(connection), sleep=lambda s: None)
    assert run.status == "ok" and run.pages == 1 and (run.created, run.updated) == (0, 0)
    assert [resp.status for _r, resp in httpserver.log] == ["204 NO CONTENT"]


def test_a_status_change_reaches_the_order_through_the_webhook(
    stand, httpserver, client, django_capture_on_commit_callbacks
):
    connection = connect(httpserver)
    [lead, _other] = fill(stand, 2)
    engine.pull(connection, sleep=lambda s: None)
    stand.update_lead(lead, status_id=142)
    url = reverse("webhooks:inbox", args=[connection.inbox_source.path_secret])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, data=urlencode(stand.webhook(lead)), content_type="application/x-www-form-urlencoded"
        )
    assert response.status_code == 202
    assert Order.objects.get(title="Сделка 0").stage.kind == "won"

    # another account's event on the same path is refused; a deleted lead (204) marks its link
    stand.update_lead(lead, status_id=143)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url,
            data=urlencode(stand.webhook(lead, account_id=1)),
            content_type="application/x-www-form-urlencoded",
        )
    assert Order.objects.get(title="Сделка 0").stage.kind == "won"
    del stand.leads[lead]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url,
            data=urlencode({**stand.webhook(lead), "leads[status][0][old_status_id]": "142"}),
            content_type="application/x-www-form-urlencoded",
        )
    assert Link.objects.get(kind="deal", crm_id=str(lead)).deleted_in_crm


def test_429_backs_off_and_402_stops_with_a_clear_message(stand, httpserver):
    connection = connect(httpserver)
    fill(stand, 2)
    stand.refuse_next(429, "Too Many Requests")
    waits: list[float] = []
    assert engine.pull(connection, sleep=waits.append).status == "ok"
    assert any(w >= 1.0 for w in waits)

    stand.refuse_next(402, "Payment Required", "Аккаунт не оплачен")
    run = engine.pull(fresh(connection), sleep=lambda s: None)
    assert run.status == Run.Status.STOPPED and "Аккаунт не оплачен" in run.error
    assert fresh(connection).status == Connection.Status.STOPPED


def test_an_expired_token_is_refreshed_with_the_refresh_token_and_stored(stand, httpserver):
    connection = connect(
        httpserver,
        refresh_token="amo-refresh-1",
        client_id="c-1",
        client_secret="cs-1",
        redirect_uri="https://kabinet.example/oauth",
    )
    fill(stand, 3)
    stand.access_token = "amo-token-2"  # the day passed: the stored token no longer opens the account
    stand.refresh_tokens["amo-refresh-1"] = "amo-token-2"
    run = engine.pull(connection, sleep=lambda s: None)
    assert run.status == "ok" and run.created == 3, run.error
    config = fresh(connection).config()
    assert config["access_token"] == "amo-token-2" and config["refresh_token"] == "refresh-after-amo-token-2"


def test_a_note_is_the_write_back(stand, httpserver):
    connection = connect(httpserver)
    [lead] = fill(stand, 1)
    engine.pull(connection, sleep=lambda s: None)
    push = Push.objects.create(
        connection=connection, entity="deal", entity_id=str(lead), text="Клиент подтвердил"
    )
    assert writeback.deliver(push.pk, sleep=lambda s: None) == Push.Status.SENT
    [note] = stand.notes
    assert note == {
        "entity_id": lead,
        "note_type": "common",
        "params": {"text": "Клиент подтвердил"},
        "id": 70_000,
        "path": "/api/v4/leads/notes",
    }
