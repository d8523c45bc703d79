"""The sync engine against the offline stand-in: import, idempotence, mapping, conflicts, resume, health."""

from __future__ import annotations

import pytest
from django.core import mail

from kabinet.crm.models import Company, Contact, Order, TimelineEntry
from kabinet.sync import actions, engine, tasks
from kabinet.sync.models import Conflict, Connection, Link, Run, StageMap
from kabinet.testing import factories as f
from kabinet.testing.crm import connected

pytestmark = pytest.mark.django_db


@pytest.fixture
def stand():
    return connected()


def fill(crm, deals: int = 3):
    person = crm.add_contact("Анна", "Петрова", emails=["anna@romashka.test"], phones=["+7 916 123-45-67"])
    firm = crm.add_company("ООО Ромашка")
    return [
        crm.add_deal(
            f"Поставка {n}",
            pipeline_id="0",
            stage_id="NEW",
            amount="19999.99",
            contact_id=person.id,
            company_id=firm.id,
        )
        for n in range(deals)
    ]


def fresh(connection: Connection) -> Connection:
    return Connection.objects.get(pk=connection.pk)


def test_the_first_import_creates_orders_contacts_and_companies_once(stand):
    crm, connection = stand
    fill(crm, 3)
    run = engine.pull(connection)
    assert (run.status, run.created, run.pages) == ("ok", 3, 1)
    orders = Order.objects.order_by("id")
    assert orders.count() == 3 and {o.amount for o in orders} == {orders[0].amount}
    order = orders[0]
    assert str(order.amount) == "19999.99" and order.stage.client_name == "Новая"
    assert order.contact.full_name.startswith("Анна") and order.company.name == "ООО Ромашка"
    assert order.contact.memberships.filter(company=order.company).exists()
    # the business vouches for the CRM's addresses: the client signs in with the phone on his deal
    assert order.contact.phones.get().phone == "+79161234567" and order.contact.phones.get().verified_at
    assert fresh(connection).status == Connection.Status.OK and fresh(connection).last_success_at

    again = engine.pull(fresh(connection))  # from the cursor: the last change is read again, and kept
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    everything = engine.pull(fresh(connection), full=True)
    assert (everything.created, everything.updated, everything.unchanged) == (0, 0, 3)
    assert Order.objects.count() == 3 and Contact.objects.count() == 1 and Company.objects.count() == 1


def test_a_stage_change_in_the_crm_moves_the_order_and_tells_the_history(stand):
    crm, connection = stand
    [deal] = fill(crm, 1)
    engine.pull(connection)
    crm.update_deal(deal.id, stage_id="WON")
    crm.calls.clear()
    run = engine.pull(fresh(connection))
    assert run.updated == 1
    order = Order.objects.get()
    assert order.stage.client_name == "Сделка успешна" and order.closed_at is not None
    assert TimelineEntry.objects.filter(event="order.stage_changed", subject_id=order.pk).exists()


def test_many_crm_stages_may_share_one_kabinet_stage_and_some_hide_the_order(stand):
    crm, connection = stand
    new = StageMap.objects.get(connection=connection, crm_id="NEW")
    StageMap.objects.filter(connection=connection, crm_id="OFFER").update(stage=new.stage)
    person = crm.add_contact("Иван", phones=["+7 926 234-56-78"])
    crm.add_deal("Предложение", pipeline_id="0", stage_id="OFFER", contact_id=person.id)
    crm.add_deal("Спам", pipeline_id="0", stage_id="JUNK", contact_id=person.id)
    run = engine.pull(connection)
    assert (run.created, run.skipped) == (1, 1)
    assert Order.objects.get().stage == new.stage


def test_an_unmapped_pipeline_is_not_imported_and_an_unmapped_stage_waits_on_the_review_list(stand):
    crm, connection = stand
    person = crm.add_contact("Иван")
    crm.add_deal("Чужая воронка", pipeline_id="7", stage_id="C7:NEW", contact_id=person.id)
    StageMap.objects.filter(connection=connection, crm_id="WORK").update(stage=None)
    deal = crm.add_deal("Без этапа", pipeline_id="0", stage_id="WORK", contact_id=person.id)
    run = engine.pull(connection)
    assert run.skipped == 2 and not Order.objects.exists()
    assert Conflict.objects.get().crm_id == deal.id


def test_a_crm_contact_is_matched_by_a_verified_phone_and_two_matches_are_a_conflict(stand):
    crm, connection = stand
    known = f.ContactFactory(first_name="Анна")
    known.phones.create(phone="+79161234567", is_primary=True, verified_at="2026-01-01T00:00Z")
    person = crm.add_contact("Анна", phones=["8 (916) 123-45-67"])
    crm.add_deal("Заказ", pipeline_id="0", stage_id="NEW", contact_id=person.id)
    engine.pull(connection)
    assert Order.objects.get().contact == known
    assert Link.objects.get(kind="contact").object_id == known.pk

    twin = f.ContactFactory(first_name="Анна")
    twin.emails.create(email="anna@twins.test", is_primary=True, verified_at="2026-01-01T00:00Z")
    other = crm.add_contact("Анна", emails=["anna@twins.test"], phones=["+7 916 123-45-67"])
    crm.add_deal("Второй", pipeline_id="0", stage_id="NEW", contact_id=other.id)
    run = engine.pull(fresh(connection))
    assert run.skipped == 1 and Order.objects.count() == 1
    conflict = Conflict.objects.get(kind="contact")
    assert conflict.crm_id == other.id and sorted(conflict.candidates) == sorted(
        [str(known.pk), str(twin.pk)]
    )


def test_an_import_killed_in_the_middle_resumes_from_its_checkpoint_without_duplicates():
    crm, connection = connected(page_size=10)
    fill(crm, 45)
    crm.break_at("deals", 3, SystemExit("killed"))  # the worker dies while fetching the third page
    with pytest.raises(SystemExit):
        engine.pull(connection)
    assert Order.objects.count() == 20
    checkpoint = fresh(connection).checkpoint
    assert checkpoint["page"] == "20"
    crm.calls.clear()
    run = engine.pull(fresh(connection))
    assert run.status == "ok" and run.created == 25 and crm.calls.count("deals") == 3  # pages 3, 4, 5 only
    assert Order.objects.count() == 45 and Link.objects.filter(kind="deal").count() == 45
    assert fresh(connection).checkpoint == {}
    killed = Run.objects.exclude(pk=run.pk).get()
    assert killed.status == Run.Status.FAILED and killed.error.startswith("interrupted")


def test_broken_credentials_stop_the_sync_and_tell_the_admins_once(stand):
    crm, connection = stand
    f.UserFactory(is_staff=True, is_superuser=True, email="admin@firm.test")
    crm.fail_next("auth", "NO_AUTH_FOUND: Wrong authorization data")
    run = engine.pull(connection)
    connection = fresh(connection)
    assert run.status == Run.Status.STOPPED and "Wrong authorization data" in run.error
    assert connection.status == Connection.Status.STOPPED and "Wrong authorization" in connection.last_error
    assert tasks.run_pull(connection.pk) == "stopped"  # no endless retries against a refusal
    # new settings start it again
    actions.save_connection(actor=None, connection=connection, config={"account": "test", "token": ""})
    assert fresh(connection).status == Connection.Status.NEW


def test_a_temporary_refusal_backs_off_and_keeps_the_cursor(stand):
    crm, connection = stand
    fill(crm, 1)
    engine.pull(connection)
    cursor = fresh(connection).cursor
    crm.fail_next("rate_limited", "QUERY_LIMIT_EXCEEDED: Too many requests")
    run = engine.pull(fresh(connection))
    connection = fresh(connection)
    assert run.status == Run.Status.FAILED and connection.status == Connection.Status.FAILING
    assert connection.retry_at is not None and connection.cursor == cursor
    assert not mail.outbox


def test_a_full_resync_finds_deals_deleted_in_the_crm(stand):
    crm, connection = stand
    deals = fill(crm, 3)
    engine.pull(connection)
    crm.delete_deal(deals[1].id)
    run = engine.pull(fresh(connection), full=True)
    assert run.status == "ok" and run.unchanged == 2
    assert list(Link.objects.filter(deleted_in_crm=True).values_list("crm_id", flat=True)) == [deals[1].id]
    assert Order.objects.count() == 3  # the order stays with its history


def test_the_responsible_user_becomes_the_manager_and_chosen_fields_reach_the_order(stand):
    crm, connection = stand
    manager = f.StaffFactory(email="olga@firm.test")
    Connection.objects.filter(pk=connection.pk).update(
        managers={"37": "olga@firm.test"}, custom_fields={"UF_CRM_DELIVERY": "Доставка"}
    )
    person = crm.add_contact("Иван")
    deal = crm.add_deal(
        "Заказ", pipeline_id="0", stage_id="NEW", contact_id=person.id, UF_CRM_DELIVERY="Курьер"
    )
    crm.update_deal(deal.id, responsible_id="37")
    engine.pull(fresh(connection))
    order = Order.objects.get()
    assert order.manager == manager
    assert order.custom_fields == [
        {
            "code": "UF_CRM_DELIVERY",
            "label": dict.fromkeys(("ru", "en", "pl"), "Доставка"),
            "type": "text",
            "value": "Курьер",
        }
    ]


def test_a_preview_counts_what_the_first_import_creates_and_writes_nothing(stand):
    crm, connection = stand
    fill(crm, 3)
    person = crm.add_contact("Иван")
    crm.add_deal("Спам", pipeline_id="0", stage_id="JUNK", contact_id=person.id)
    crm.add_deal("Чужая воронка", pipeline_id="7", stage_id="C7:NEW", contact_id=person.id)
    seen = engine.preview(connection)
    assert (seen.deals, seen.orders_new, seen.hidden, seen.not_imported) == (5, 3, 1, 1)
    assert (seen.contacts_new, seen.companies_new, seen.more) == (1, 1, False)
    assert not Order.objects.exists() and not Link.objects.exists() and not Run.objects.exists()


def test_the_back_office_previews_syncs_and_shows_the_health(
    client, stand, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    crm, connection = stand
    fill(crm, 2)
    client.force_login(f.UserFactory(is_staff=True, is_superuser=True))
    changelist = reverse("admin:sync_connection_changelist")
    response = client.post(
        changelist, {"action": "preview_import", "_selected_action": [connection.pk]}, follow=True
    )
    assert "2 new orders" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {"action": "sync_now", "_selected_action": [connection.pk]})
    assert Order.objects.count() == 2
    page = client.get(reverse("admin:sync_connection_change", args=[connection.pk])).content.decode()
    assert "/hooks/in/" in page and "2" in page


def test_a_shown_order_moved_to_a_hiding_stage_leaves_the_cabinet_and_comes_back(stand):
    from django.test import RequestFactory

    from kabinet.crm.selectors import orders_visible_to, timeline_visible_to
    from kabinet.crm.viewer import build_viewer
    from kabinet.notifications.selectors import notifications_visible_to

    crm, connection = stand
    [deal] = fill(crm, 1)
    engine.pull(connection)
    order = Order.objects.get()
    user = f.UserFactory()
    Contact.objects.filter(pk=order.contact_id).update(user=user)
    crm.update_deal(deal.id, stage_id="WON")  # a final stage: the client is told
    engine.pull(fresh(connection))

    def viewer():
        request = RequestFactory().get("/")
        request.user, request.session = user, {}
        return build_viewer(request)

    assert orders_visible_to(viewer()).count() == 1 and notifications_visible_to(viewer()).exists()
    assert timeline_visible_to(viewer()).filter(subject_public_id=order.public_id).exists()

    crm.update_deal(deal.id, stage_id="JUNK")
    run = engine.pull(fresh(connection))
    order.refresh_from_db()
    assert run.updated == 1 and order.hidden and order.stage.client_name == "Сделка успешна"
    assert not orders_visible_to(viewer()).exists()
    assert not timeline_visible_to(viewer()).filter(subject_public_id=order.public_id).exists()
    assert not notifications_visible_to(viewer()).exists()
    assert TimelineEntry.objects.filter(event="order.hidden", client_visible=False).count() == 1
    assert engine.pull(fresh(connection)).updated == 0  # read again: nothing more happens

    crm.update_deal(deal.id, stage_id="WORK")
    run = engine.pull(fresh(connection))
    order.refresh_from_db()
    assert run.updated == 1 and not order.hidden and order.stage.client_name == "В работе"
    assert orders_visible_to(viewer()).get() == order
    assert timeline_visible_to(viewer()).filter(subject_public_id=order.public_id).exists()


def test_a_deal_first_seen_at_a_hiding_stage_is_never_imported(stand):
    crm, connection = stand
    person = crm.add_contact("Иван")
    crm.add_deal("Спам", pipeline_id="0", stage_id="JUNK", contact_id=person.id)
    assert engine.pull(connection).skipped == 1 and not Order.objects.exists()
