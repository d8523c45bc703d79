"""Bitrix24 against its documented REST shapes, served by a local stand-in (``kabinet.testing.bitrix``)."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest
from django.db.models.signals import post_save
from django.urls import reverse

from kabinet.crm.models import Contact, Order
from kabinet.sync import actions, engine, writeback
from kabinet.sync.models import Connection, Link, PipelineMap, Push, Run
from kabinet.testing.bitrix import FILE_PATH, Bitrix24StandIn
from kabinet.webhooks.models import InboxEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def stand(httpserver, settings):
    portal = Bitrix24StandIn()
    httpserver.expect_request(re.compile(r"^/rest/.*"), method="POST").respond_with_handler(portal.handler)
    httpserver.expect_request("/oauth/token/").respond_with_handler(portal.token_handler)
    httpserver.expect_request(FILE_PATH).respond_with_handler(portal.file_handler)
    settings.KABINET_BITRIX24_OAUTH_URL = httpserver.url_for("").rstrip("/")
    return portal


def connect(httpserver, **config) -> Connection:
    config = config or {
        "webhook_url": httpserver.url_for("/rest/1/abc123def/"),
        "application_token": "app-token-1",
    }
    connection = actions.save_connection(
        actor=None, connection=Connection(name="Портал", provider="bitrix24"), config=config
    )
    actions.load_pipelines(actor=None, connection=connection)
    actions.mirror_pipeline(
        actor=None, pipeline_map=PipelineMap.objects.get(connection=connection, crm_id="0")
    )
    return Connection.objects.get(pk=connection.pk)


def fresh(connection: Connection) -> Connection:
    return Connection.objects.get(pk=connection.pk)


def fill(stand: Bitrix24StandIn, deals: int, people: int = 3) -> list[str]:
    contacts = [
        stand.add_contact(f"Клиент{n}", "Иванов", phone=f"+7 916 100-{n // 100:02d}-{n % 100:02d}")
        for n in range(people)
    ]
    return [
        stand.add_deal(f"Сделка {n}", amount="19999.99", contact=contacts[n % people]) for n in range(deals)
    ]


def test_the_stages_come_from_crm_status_list_with_their_semantics(stand, httpserver):
    connection = connect(httpserver)
    stages = {row.crm_id: row for row in connection.stage_maps.filter(crm_pipeline_id="0")}
    assert set(stages) == {"NEW", "PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING", "WON", "LOSE"}
    assert stages["WON"].semantics == "success" and stages["WON"].stage.kind == "won"
    assert stages["LOSE"].stage.kind == "lost"


def test_an_import_pages_through_string_values_and_a_second_pull_pages_by_modification(stand, httpserver):
    connection = connect(httpserver)
    deals = fill(stand, 120)
    waits: list[float] = []
    run = engine.pull(connection, sleep=waits.append)
    assert (run.status, run.created, run.pages) == ("ok", 120, 3), run.error
    order = Order.objects.get(title="Сделка 7")
    assert str(order.amount) == "19999.99" and order.currency == "RUB" and order.stage.client_name == "Новая"
    assert Contact.objects.count() == 3
    [first, *_rest] = [json.loads(r.data) for r, _ in httpserver.log if r.path.endswith("crm.deal.list.json")]
    assert first["filter"] == {">ID": "0"} and first["start"] == -1 and first["order"] == {"ID": "ASC"}

    for deal_id in deals[:60]:
        stand.update_deal(deal_id, STAGE_ID="EXECUTING")
    httpserver.clear_log()
    run = engine.pull(fresh(connection), sleep=waits.append)
    assert (run.status, run.updated, run.pages) == ("ok", 60, 2)
    bodies = [json.loads(r.data) for r, _ in httpserver.log if r.path.endswith("crm.deal.list.json")]
    assert [b["start"] for b in bodies] == [0, 50] and ">=DATE_MODIFY" in bodies[0]["filter"]
    assert Order.objects.filter(stage__client_name="В работе").count() == 60


def test_the_contacts_of_a_page_come_in_one_batch_call_and_a_deleted_one_is_skipped(stand, httpserver):
    connection = connect(httpserver)
    deals = fill(stand, 6, people=3)
    gone = stand.deals[deals[2]]["CONTACT_ID"]
    del stand.contacts[gone]
    run = engine.pull(connection, sleep=lambda s: None)
    assert stand.calls.count("batch") == 1 and "crm.contact.get" not in stand.calls
    assert run.created == 4 and run.skipped == 2 and Contact.objects.count() == 2


def test_the_leaky_bucket_is_respected_before_bitrix_refuses(stand, httpserver):
    connection = connect(httpserver)
    [deal] = fill(stand, 1)
    waited_at: list[int] = []
    provider = engine.provider_for(connection, sleep=lambda seconds: waited_at.append(len(stand.calls)))
    before = len(stand.calls)
    for _ in range(60):
        provider.deal(deal)
    # a burst of 50 goes at once; past it each call waits for the bucket (2 a second) before it is sent
    assert waited_at and waited_at[0] - before >= 50 and len(waited_at) >= 5


def test_query_limit_exceeded_and_operation_time_limit_back_off_and_retry(stand, httpserver):
    connection = connect(httpserver)
    fill(stand, 2)
    stand.refuse_next(503, "QUERY_LIMIT_EXCEEDED", "Too many requests")
    stand.refuse_next(429, "OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit.")
    waits: list[float] = []
    run = engine.pull(connection, sleep=waits.append)
    assert run.status == "ok" and run.created == 2
    assert len([w for w in waits if w >= 1.0]) >= 2  # two backoffs of a second or more


def test_a_limit_that_does_not_lift_fails_the_run_in_bitrix_words_and_keeps_the_cursor(stand, httpserver):
    connection = connect(httpserver)
    for _ in range(5):
        stand.refuse_next(503, "QUERY_LIMIT_EXCEEDED", "Too many requests")
    run = engine.pull(connection, sleep=lambda s: None)
    connection = fresh(connection)
    assert run.status == Run.Status.FAILED and run.error == "Too many requests"
    assert connection.status == Connection.Status.FAILING and connection.cursor is None


def test_wrong_credentials_stop_the_sync(stand, httpserver):
    connection = connect(httpserver)
    stand.refuse_next(401, "NO_AUTH_FOUND", "Wrong authorization data")
    run = engine.pull(connection, sleep=lambda s: None)
    assert run.status == Run.Status.STOPPED and fresh(connection).status == Connection.Status.STOPPED


def test_an_expired_token_mid_sync_is_refreshed_stored_and_the_import_goes_on(stand, httpserver):
    stand.access_token = "token-1"
    connection = connect(
        httpserver,
        domain=httpserver.url_for("").rstrip("/"),
        client_id="local.5f3e",
        client_secret="cs-1",
        access_token="token-1",
        refresh_token="refresh-1",
        application_token="app-token-1",
    )
    fill(stand, 120)
    stand.refresh_tokens["refresh-1"] = "token-2"
    stand.expire_token_at = len(stand.calls) + 3  # an hour passes between the second and third page

    run = engine.pull(connection, sleep=lambda s: None)
    assert run.status == "ok" and run.created == 120, run.error
    config = fresh(connection).config()
    assert config["access_token"] == "token-2" and config["refresh_token"] == "refresh-after-token-2"
    assert Order.objects.count() == 120
    assert [r.path for r, _ in httpserver.log].count("/oauth/token/") == 1


@pytest.mark.slow
def test_five_thousand_deals_import_completely_with_the_process_killed_once(stand, httpserver):
    connection = connect(httpserver)
    fill(stand, 5000, people=50)

    def killed(sender, instance, created, **kwargs):  # the worker dies in the middle of a page
        if created and Order.objects.count() == 2024:
            raise SystemExit("killed")

    post_save.connect(killed, sender=Order, dispatch_uid="test-kill")
    try:
        with pytest.raises(SystemExit):
            engine.pull(connection, sleep=lambda s: None)
    finally:
        post_save.disconnect(dispatch_uid="test-kill", sender=Order)
    done = Order.objects.count()
    assert done == 2000 and fresh(connection).checkpoint["page"].startswith("id:")  # the page was rolled back
    run = engine.pull(fresh(connection), sleep=lambda s: None)
    assert run.status == "ok", run.error
    assert Order.objects.count() == 5000 == Link.objects.filter(kind="deal").count()
    assert Order.objects.values("title").distinct().count() == 5000
    assert run.created == 3000 and run.pages == 61  # pages 41 to 100, and the empty one after


def post(client, connection, form, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            reverse("webhooks:inbox", args=[connection.inbox_source.path_secret]),
            data=urlencode(form),
            content_type="application/x-www-form-urlencoded",
        )


def test_an_event_refetches_the_deal_and_a_deleted_deal_is_marked(
    stand, httpserver, client, django_capture_on_commit_callbacks
):
    connection = connect(httpserver)
    [kept, gone] = fill(stand, 2)
    engine.pull(connection, sleep=lambda s: None)
    stand.update_deal(kept, STAGE_ID="WON")
    assert post(client, connection, stand.event(kept), django_capture_on_commit_callbacks).status_code == 202
    assert Order.objects.get(title="Сделка 0").stage.client_name == "Сделка успешна"

    del stand.deals[gone]
    post(client, connection, stand.event(gone, event="ONCRMDEALDELETE"), django_capture_on_commit_callbacks)
    assert Link.objects.get(kind="deal", crm_id=gone).deleted_in_crm


def test_an_event_with_another_application_token_is_refused(
    stand, httpserver, client, django_capture_on_commit_callbacks
):
    connection = connect(httpserver)
    [deal] = fill(stand, 1)
    engine.pull(connection, sleep=lambda s: None)
    stand.update_deal(deal, STAGE_ID="WON")
    post(client, connection, stand.event(deal, token="forged"), django_capture_on_commit_callbacks)
    assert Order.objects.get().stage.client_name == "Новая"
    assert "refused" in InboxEvent.objects.get().effect.result


def test_a_comment_goes_back_through_crm_timeline_comment_add(stand, httpserver):
    connection = connect(httpserver)
    [deal] = fill(stand, 1)
    engine.pull(connection, sleep=lambda s: None)
    push = Push.objects.create(connection=connection, entity="deal", entity_id=deal, text="Клиент подтвердил")
    assert writeback.deliver(push.pk, sleep=lambda s: None) == Push.Status.SENT
    assert stand.comments == [
        {"ENTITY_ID": int(deal), "ENTITY_TYPE": "deal", "COMMENT": "Клиент подтвердил", "ID": 900}
    ]
    assert Push.objects.get().remote_id == "900"


def test_a_company_comes_with_the_inn_and_kpp_of_its_requisites_and_is_matched_by_them(stand, httpserver):
    from kabinet.crm.models import Company
    from kabinet.testing import factories as f

    connection = connect(httpserver)
    known = f.CompanyFactory(name="Ромашка (Kabinet)", inn="7707083893", kpp="773601001")
    person = stand.add_contact("Анна", phone="+7 916 123-45-67")
    romashka = stand.add_company("ООО «Ромашка»")
    stand.add_requisite("4", romashka, inn="1234567890")  # a wrong check digit: not a number to match by
    stand.add_requisite("4", romashka, inn="77 07083893", kpp="773601001")
    stand.add_requisite("3", person, inn="500100732259")  # the contact's own: not the company's
    lutik = stand.add_company("ИП Лютик", inn="500100732259", kpp="")  # an entrepreneur: 12 digits, no KPP
    stand.add_company("Без реквизитов")
    stand.add_deal("Бумага", contact=person, company=romashka)
    stand.add_deal("Скрепки", contact=person, company=lutik)
    run = engine.pull(connection, sleep=lambda s: None)
    assert run.status == "ok", run.error
    assert Order.objects.get(title="Бумага").company_id == known.pk  # matched by INN (+KPP), not made again
    made = Order.objects.get(title="Скрепки").company
    assert (made.name, made.inn, made.kpp) == ("ИП Лютик", "500100732259", "")
    assert Company.objects.count() == 2
    bodies = [json.loads(r.data) for r, _ in httpserver.log if r.path.endswith("batch.json")]
    commands = [c for b in bodies for c in b["cmd"].values() if c.startswith("crm.requisite.list")]
    assert len(commands) == 2 and all("ENTITY_TYPE_ID%5D=4" in c for c in commands)  # with the card
    assert "crm.company.get" not in stand.calls and "crm.requisite.list" not in stand.calls


def test_smart_invoices_become_the_orders_invoices_and_the_paid_stage_pays_them(stand, httpserver):
    from decimal import Decimal

    from kabinet.billing.models import Invoice
    from kabinet.payments.models import Payment
    from kabinet.sync import invoices
    from kabinet.sync.models import StageMap

    connection = connect(httpserver)
    stages = {
        r.crm_id: r for r in StageMap.objects.filter(connection=connection, crm_pipeline_id="invoice:2")
    }
    assert set(stages) == {"DT31_2:N", "DT31_2:S", "DT31_2:P", "DT31_2:D"}  # on the mapping screen
    assert not PipelineMap.objects.get(crm_id="invoice:2").pipeline_id  # no Kabinet pipeline for them
    StageMap.objects.filter(pk=stages["DT31_2:P"].pk).update(marks_paid=True)
    StageMap.objects.filter(pk=stages["DT31_2:N"].pk).update(hides=True)  # drafts stay in the CRM
    person = stand.add_contact("Анна", phone="+7 916 123-45-67")
    deal = stand.add_deal("Бумага", amount="1500.50", contact=person)
    sent = stand.add_invoice("Предоплата", amount="750.25", stage="DT31_2:S", deal=deal)
    paid = stand.add_invoice("Доставка", amount="300", stage="DT31_2:P", deal=deal)
    draft = stand.add_invoice("Черновик", amount="10", stage="DT31_2:N", contact=person)
    stand.add_invoice("Ничей", amount="5", stage="DT31_2:S")  # no client at all: the review list
    stand.add_invoice("Отменён", amount="7", stage="DT31_2:D", deal=deal)  # cancelled before: never issued
    assert engine.pull(connection, sleep=lambda s: None).status == "ok"

    run = invoices.pull_invoices(fresh(connection), sleep=lambda s: None)
    assert (run.status, run.created, run.skipped) == ("ok", 2, 3), run.error
    order = Order.objects.get(title="Бумага")
    first = Invoice.objects.get(amount=Decimal("750.25"))
    assert (first.order_id, first.contact_id, first.status) == (order.pk, order.contact_id, "unpaid")
    assert first.due_date.isoformat() == "2026-11-15"
    delivered = Invoice.objects.get(amount=Decimal("300"))
    assert delivered.status == "paid" and delivered.paid_amount == Decimal("300")
    assert Payment.objects.filter(invoice=delivered, provider_payment_id__endswith=f":{paid}").count() == 1
    request = next(json.loads(r.data) for r, _ in httpserver.log if r.path.endswith("crm.item.list.json"))
    assert request["entityTypeId"] == 31 and request["start"] == -1 and request["filter"] == {">id": "0"}

    # the same pull again changes nothing; then the CRM moves them on
    again = invoices.pull_invoices(fresh(connection), sleep=lambda s: None)
    assert (again.created, again.updated) == (0, 0) and Invoice.objects.count() == 2
    stand.update_invoice(sent, opportunity="800.00")
    stand.update_invoice(draft, stageId="DT31_2:S")  # shown now
    stand.update_invoice(paid, title="Доставка курьером")  # read again: paid once only
    run = invoices.pull_invoices(fresh(connection), sleep=lambda s: None)
    assert (run.created, run.updated) == (1, 1), run.error
    first.refresh_from_db()
    assert first.amount == Decimal("800.00") and Invoice.objects.count() == 3
    assert Payment.objects.filter(invoice=delivered).count() == 1
    stand.update_invoice(sent, stageId="DT31_2:P")
    invoices.pull_invoices(fresh(connection), sleep=lambda s: None)
    first.refresh_from_db()
    assert first.status == "paid" and first.paid_amount == Decimal("800.00")
    stand.update_invoice(draft, stageId="DT31_2:D")  # not paid in the end: voided
    invoices.pull_invoices(fresh(connection), sleep=lambda s: None)
    assert Invoice.objects.get(amount=Decimal("10")).status == "cancelled"
    later = [json.loads(r.data) for r, _ in httpserver.log if r.path.endswith("crm.item.list.json")][-1]
    assert ">=updatedTime" in later["filter"]


def test_the_files_of_a_deals_file_field_become_the_orders_documents_once_and_checked(stand, httpserver):
    from kabinet.files.models import ClientFile
    from kabinet.sync.models import Conflict

    connection = connect(httpserver)
    Connection.objects.filter(pk=connection.pk).update(document_fields=["UF_CRM_DOCS"])
    person = stand.add_contact("Анна", phone="+7 916 123-45-67")
    deal = stand.add_deal("Бумага", contact=person)
    pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    stand.attach_file(deal, "UF_CRM_DOCS", "Договор №5.pdf", pdf)
    stand.attach_file(deal, "UF_CRM_DOCS", "invoice.pdf", b"MZ\x90\x00 an executable")  # not what it says
    stand.attach_file(deal, "UF_CRM_OTHER", "not-mapped.pdf", pdf)
    run = engine.pull(fresh(connection), sleep=lambda s: None)
    assert run.status == "ok", run.error
    order = Order.objects.get(title="Бумага")
    [stored] = ClientFile.objects.filter(subject_id=order.pk)
    assert (stored.original_name, stored.size, stored.contact_id) == (
        "Договор №5.pdf",
        len(pdf),
        order.contact_id,
    )
    assert stored.content_type == "application/pdf" and stored.file.read() == pdf
    assert Conflict.objects.filter(kind="document", reason__contains="invoice.pdf").count() == 1
    assert "UF_CRM_DOCS" not in order.custom_fields and stand.calls.count("file") == 2

    # read again (another change of the deal): nothing downloaded twice, a new file added once
    stand.update_deal(deal, TITLE="Бумага А4")
    stand.attach_file(deal, "UF_CRM_DOCS", "Акт.pdf", pdf)
    engine.pull(fresh(connection), sleep=lambda s: None)
    assert ClientFile.objects.filter(subject_id=order.pk).count() == 2 and stand.calls.count("file") == 4
