"""YCLIENTS against its documented shapes, served by a local stand-in (``kabinet.testing.yclients``)."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.urls import reverse

from kabinet.bookings import actions as booking_actions
from kabinet.bookings.models import Booking, Branch, Service, Specialist, WorkingHours
from kabinet.crm.models import Contact, TimelineEntry
from kabinet.integrations.crm import yclients
from kabinet.integrations.crm.http import account_bucket
from kabinet.sync import actions, bookings, writeback
from kabinet.sync.models import Connection, Link, Push, Run
from kabinet.testing import factories
from kabinet.testing.yclients import LOGIN, PASSWORD, START, USER, YclientsStandIn

pytestmark = pytest.mark.django_db


@pytest.fixture
def stand(httpserver):
    account = YclientsStandIn()
    httpserver.expect_request(re.compile(r"^/api/v1/.*")).respond_with_handler(account.handler)
    return account


def connect(httpserver, **extra) -> Connection:
    config = {
        "api_url": httpserver.url_for("/api/v1"),
        "partner_token": "partner-yc-1",
        "login": LOGIN,
        "password": PASSWORD,
        **extra,
    }
    connection = actions.save_connection(
        actor=None, connection=Connection(name="YCLIENTS", provider="yclients"), config=config
    )
    return Connection.objects.get(pk=connection.pk)


def fresh(connection: Connection) -> Connection:
    return Connection.objects.get(pk=connection.pk)


def fill(stand: YclientsStandIn, records: int) -> dict:
    salon = stand.add_company("Салон «Лаванда»", zone="Asia/Yekaterinburg", company_id=4564)
    cut = stand.add_service(salon, "Стрижка", minutes=45, price=1800)
    color = stand.add_service(salon, "Окрашивание", minutes=120, price=5200)
    olga = stand.add_staff(salon, "Ольга", [cut, color], title="Колорист")
    ivan = stand.add_staff(salon, "Иван", [cut])
    anna = stand.add_client(salon, "Анна Петрова", "+79161234567", "anna@mail.test")
    boris = stand.add_client(salon, "Борис", "89262345678")
    ids = [
        stand.add_record(
            salon,
            staff_id=(olga, ivan)[n % 2],
            service_id=cut,
            client_id=(anna, boris)[n % 2],
            starts=START + datetime.timedelta(days=n // 4, hours=n % 4),
            attendance=(1, -1, 2, 0)[n % 4],
        )
        for n in range(records)
    ]
    return {"salon": salon, "cut": cut, "color": color, "olga": olga, "ivan": ivan, "anna": anna, "ids": ids}


def pull(connection: Connection, waits: list | None = None) -> Run:
    return bookings.pull_bookings(
        fresh(connection), sleep=(waits.append if waits is not None else lambda s: None)
    )


def test_settings_and_records_import_by_pages_idempotently(stand, httpserver, monkeypatch):
    monkeypatch.setattr(yclients, "PAGE", 3)  # the documented 200 a page, scaled down: three pages
    data = fill(stand, 8)
    # Anna already has a Kabinet account with that phone, verified: her records are hers.
    anna = factories.ContactFactory(first_name="Анна")
    anna.phones.create(phone="+79161234567", verified_at=START)
    connection = connect(httpserver)
    run = pull(connection)
    assert (run.status, run.pages) == ("ok", 3), run.error
    branch = Branch.objects.get(external_id="4564")
    assert (branch.source, branch.name, branch.time_zone) == (
        "yclients",
        "Салон «Лаванда»",
        "Asia/Yekaterinburg",
    )
    color = Service.objects.get(external_id=str(data["color"]))
    assert (color.duration_minutes, color.price, color.branch) == (120, 5200, branch)
    assert sorted(color.specialists.values_list("name", flat=True)) == ["Ольга"]
    assert Specialist.objects.get(external_id=str(data["olga"])).title == "Колорист"
    assert Booking.objects.filter(source="yclients").count() == 8
    statuses = [Booking.objects.get(external_id=str(i)).status for i in data["ids"][:4]]
    assert statuses == ["attended", "no_show", "confirmed", "confirmed"]
    assert set(Booking.objects.filter(specialist__name="Ольга").values_list("contact", flat=True)) == {
        anna.pk
    }
    boris = Contact.objects.get(first_name="Борис")
    assert boris.phones.get().phone == "+79262345678"  # E.164 from YCLIENTS's 8 926…
    first = Booking.objects.get(external_id=str(data["ids"][0]))
    assert first.starts_at == START and first.ends_at - first.starts_at == datetime.timedelta(minutes=45)
    [auth] = [r for r, _ in httpserver.log if r.path == "/api/v1/auth"]
    assert auth.headers["Authorization"] == "Bearer partner-yc-1"
    listed = [r for r, _ in httpserver.log if r.path == "/api/v1/records/4564"]
    assert listed[0].headers["Authorization"] == f"Bearer partner-yc-1, User {USER}"
    assert listed[0].headers["Accept"] == "application/vnd.yclients.v2+json"
    assert fresh(connection).config()["user_token"] == USER  # stored, encrypted

    httpserver.clear_log()
    again = pull(connection)
    assert (again.status, again.created, again.updated) == ("ok", 0, 0), again.error
    assert Booking.objects.count() == 8 and Branch.objects.count() == 1 and Service.objects.count() == 2
    [records] = [r for r, _ in httpserver.log if r.path == "/api/v1/records/4564"]
    assert records.args["changed_after"]  # incremental: from the newest change read
    assert not [r for r, _ in httpserver.log if r.path == "/api/v1/auth"]  # the stored token is reused


def test_success_false_is_a_refusal_in_yclients_words_whatever_the_status(stand, httpserver):
    fill(stand, 1)
    connection = connect(httpserver)
    stand.refusals.append(
        (
            200,
            {
                "success": False,
                "data": None,
                "meta": {"message": "Доступ к компании запрещён", "errors": {"company_id": ["Нет прав"]}},
            },
        )
    )
    stand.refusals.insert(0, (201, {"success": True, "data": {"user_token": USER}, "meta": []}))  # /auth
    run = pull(connection)
    assert run.status == Run.Status.FAILED
    assert run.error == "Доступ к компании запрещён — company_id: Нет прав"
    assert fresh(connection).last_error == run.error and fresh(connection).status == "failing"


def test_a_429_backs_off_and_the_bucket_keeps_5_a_second_and_200_a_minute(stand, httpserver):
    fill(stand, 2)
    connection = connect(httpserver, user_token=USER)
    stand.refuse_next(429, "Too many requests")
    waits: list[float] = []
    run = pull(connection, waits)
    assert run.status == "ok" and run.created == 2, run.error
    assert any(w >= 1.0 for w in waits)

    provider = yclients.YclientsProvider({"partner_token": "p"}, sleep=lambda s: None)
    bucket = account_bucket(provider, rate=yclients.RATE_PER_SECOND, capacity=yclients.BURST)
    times, now = [], 0.0
    for _ in range(400):
        now += bucket.take()
        times.append(now)
    assert max(sum(1 for t in times if s <= t < s + 1) for s in times) <= 5
    assert max(sum(1 for t in times if s <= t < s + 60) for s in times) <= 200


def test_an_expired_user_token_is_renewed_a_refused_login_stops_and_tells_the_admins(
    stand, httpserver, mailoutbox, django_capture_on_commit_callbacks
):
    fill(stand, 1)
    factories.UserFactory(is_superuser=True, is_staff=True, email="admin@portal.test")
    connection = connect(httpserver, user_token="user-old")
    assert pull(connection).status == "ok"  # 401 "Пользователь не авторизован" → POST /auth → repeated
    assert fresh(connection).config()["user_token"] == USER

    stand.user_token = "user-new"  # the password was changed in YCLIENTS: /auth refuses too
    actions.save_connection(
        actor=None, connection=fresh(connection), config={**fresh(connection).config(), "password": "stale"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = pull(connection)
    assert run.status == Run.Status.STOPPED and "Неверный логин или пароль" in run.error
    assert fresh(connection).status == Connection.Status.STOPPED
    assert [m.to for m in mailoutbox] == [["admin@portal.test"]]


def test_an_import_killed_midway_resumes_at_its_page(stand, httpserver, monkeypatch):
    monkeypatch.setattr(yclients, "PAGE", 2)
    fill(stand, 6)
    connection = connect(httpserver, user_token=USER)
    original = stand.list_records
    calls = []

    def failing_third_page(company_id, request):
        calls.append(request.args["page"])
        if request.args["page"] == "3" and len(calls) == 3:
            return stand.fail(500, "Внутренняя ошибка")
        return original(company_id, request)

    stand.list_records = failing_third_page
    run = pull(connection)
    assert run.status == Run.Status.FAILED and run.created == 4 and run.error == "Внутренняя ошибка"
    assert fresh(connection).booking_sync["resume"]["page"] == "3"
    run = pull(connection)
    assert (run.status, run.created) == ("ok", 2), run.error
    assert calls == ["1", "2", "3", "3"]  # started again at the page it was on
    assert Booking.objects.count() == 6 and "resume" not in fresh(connection).booking_sync


def test_webhooks_check_the_company_dedupe_and_refetch_a_deleted_record(
    stand, httpserver, client, django_capture_on_commit_callbacks
):
    data = fill(stand, 2)
    connection = connect(httpserver, user_token=USER)
    pull(connection)
    record = data["ids"][0]
    booking = Booking.objects.get(external_id=str(record))
    path = reverse("webhooks:inbox", args=[connection.inbox_source.path_secret])

    def post(event):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data=json.dumps(event), content_type="application/json")

    stand.delete_record(record)
    event = stand.event("record", record, "delete", company_id=data["salon"])
    event["data"] = {"id": record, "deleted": False}  # the body is never trusted: the record is fetched again
    assert post(event).status_code in (200, 202)
    assert post(event).status_code in (200, 202)  # YCLIENTS retries: the same body counts once
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert TimelineEntry.objects.filter(contact=booking.contact, event="booking.cancelled").count() == 1
    assert connection.inbox_source.events.count() == 1

    stand.records.pop(data["ids"][1])  # gone altogether: GET answers 404 with success false
    post(stand.event("record", data["ids"][1], "delete", company_id=data["salon"]))
    assert Booking.objects.get(external_id=str(data["ids"][1])).status == Booking.Status.CANCELLED

    foreign = post({"company_id": 1, "resource": "record", "resource_id": record, "status": "update"})
    assert foreign.status_code in (200, 202)
    last = connection.inbox_source.events.order_by("-id").first()
    assert last.effect.result["refused"].startswith("the event names another YCLIENTS company")
    assert not Push.objects.exists()  # what YCLIENTS said is never sent back to it


def test_a_booking_made_in_kabinet_is_booked_in_yclients_and_a_cancel_deletes_it(
    stand, httpserver, django_capture_on_commit_callbacks
):
    data = fill(stand, 0)
    connection = connect(httpserver, user_token=USER)
    pull(connection)
    olga = Specialist.objects.get(external_id=str(data["olga"]))
    for day in range(7):
        WorkingHours.objects.create(
            specialist=olga, weekday=day, starts=datetime.time(9), ends=datetime.time(18)
        )
    contact = factories.ContactFactory(first_name="Вера", last_name="Сидорова")
    contact.phones.create(phone="+79035556677", verified_at=START)
    staff = factories.StaffFactory()
    zone = olga.branch.zone
    starts = datetime.datetime.combine(
        datetime.date.today() + datetime.timedelta(days=3), datetime.time(11), tzinfo=zone
    )
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_actions.book(
            actor=staff,
            contact=contact,
            company=None,
            service=Service.objects.get(external_id=str(data["cut"])),
            specialist=olga,
            starts_at=starts,
        )
    [sent] = stand.booked
    assert sent["phone"] == "+79035556677" and sent["fullname"] == "Вера Сидорова"
    assert sent["appointments"][0]["staff_id"] == data["olga"]
    assert sent["api_id"] == booking.public_id
    booking.refresh_from_db()
    assert (booking.source, booking.external_id) == ("yclients", str(sent["record_id"]))
    assert Push.objects.get().status == Push.Status.SENT

    assert pull(connection).created == 0  # reading it back is not a new booking
    with django_capture_on_commit_callbacks(execute=True):
        booking_actions.cancel_booking(actor=staff, booking=booking)
    assert stand.deleted == [sent["record_id"]]
    assert pull(connection).updated == 0  # the echo of the deletion changes nothing

    stand.require_code = True  # an online-booking form asking for YCLIENTS's SMS code refuses: staff read why
    with django_capture_on_commit_callbacks(execute=True):
        other = booking_actions.book(
            actor=staff,
            contact=contact,
            company=None,
            service=Service.objects.get(external_id=str(data["cut"])),
            specialist=olga,
            starts_at=starts + datetime.timedelta(hours=2),
        )
    push = Push.objects.filter(entity_id=str(other.pk)).get()
    assert push.status == Push.Status.FAILED and push.last_error == "432 Необходимо подтверждение по SMS"
    assert writeback.deliver(push.pk, sleep=lambda s: None) == Push.Status.FAILED
    other.refresh_from_db()
    assert other.external_id == "" and Link.objects.filter(kind="record").count() == 1


def test_loyalty_cards_are_mirrored_into_the_ledger_or_left_alone_when_kabinet_owns_it(
    stand, httpserver, client
):
    from kabinet.payments.models import AccountEntry

    data = fill(stand, 1)
    user = factories.client_user(company=None)
    user.contact.phones.create(phone="+79161234567", verified_at=START)  # Anna has an account
    stand.add_card(data["anna"], balance="1200.00", points="350")
    connection = connect(httpserver, user_token=USER)
    assert pull(connection).status == "ok"
    anna = Booking.objects.get().contact
    entries = AccountEntry.objects.filter(contact=anna)
    assert {(e.kind, e.source, e.amount) for e in entries} == {
        ("balance", "yclients", 1200),
        ("points", "yclients", 350),
    }
    assert anna == user.contact
    client.force_login(user)
    page = client.get(reverse("payments:account")).content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Prepaid balance 1,200.00 RUB Bonus points 350" in text
    assert "YCLIENTS loyalty card · Клубная" in text  # the ledger shows where each entry came from

    stand.cards[data["anna"]][0]["points"] = "100"  # spent in the salon
    stand.change_record(data["ids"][0], attendance=-1)
    assert pull(connection).updated == 1
    points = AccountEntry.objects.filter(contact=anna, kind="points")
    assert sum(e.amount for e in points) == 100 and points.filter(amount=-250, lot__isnull=False).exists()

    actions.save_connection(
        actor=None, connection=fresh(connection), config={**fresh(connection).config(), "loyalty": "kabinet"}
    )
    stand.cards[data["anna"]][0]["points"] = "900"
    stand.change_record(data["ids"][0], attendance=2)
    calls = len(httpserver.log)
    assert pull(connection).updated == 1
    assert sum(e.amount for e in AccountEntry.objects.filter(contact=anna, kind="points")) == 100
    assert not [r for r, _ in httpserver.log[calls:] if "loyalty" in r.path]


def test_budget_a_pull_of_unchanged_records_does_not_grow_with_them(stand, httpserver):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    data = fill(stand, 150)  # a salon's month, one page of YCLIENTS's 200
    connection = connect(httpserver, user_token=USER)
    with CaptureQueriesContext(db) as first:
        assert pull(connection).created == 150
    assert len(first) <= 150 * 25  # creating: the booking, its history, audit and outbox checks, bounded
    for record_id in data["ids"]:
        stand.change_record(record_id)  # touched in YCLIENTS (changed_after sees them), nothing Kabinet shows
    with CaptureQueriesContext(db) as again:
        run = pull(connection)
    assert (run.unchanged, run.created, run.updated) >= (150, 0, 0) and run.updated == 0
    # The settings (a branch, two services, two staff members) and one page: the same for 1 or 200 records.
    assert len(again) <= 64, [q["sql"][:60] for q in again.captured_queries]


def test_the_back_office_syncs_a_yclients_connection_and_refuses_an_unknown_ledger_mode(
    stand, httpserver, client, django_capture_on_commit_callbacks
):
    from django.core.exceptions import ValidationError

    fill(stand, 2)
    connection = connect(httpserver, user_token=USER)
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    changelist = reverse("admin:sync_connection_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {"action": "sync_now", "_selected_action": [connection.pk]})
    assert Booking.objects.count() == 2 and Run.objects.filter(kind="bookings", status="ok").exists()
    page = client.get(reverse("admin:sync_connection_change", args=[connection.pk]))
    assert page.status_code == 200 and "/hooks/in/" in page.content.decode()
    with pytest.raises(ValidationError) as refused:
        actions.save_connection(
            actor=None, connection=fresh(connection), config={**fresh(connection).config(), "loyalty": "both"}
        )
    assert "loyalty" in refused.value.message_dict
