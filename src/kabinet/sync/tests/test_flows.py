"""The two directions end to end on the offline stand-in: a CRM event through the webhooks inbox moves the
client's order; a client's decision reaches the CRM as a timeline comment through the write-back outbox."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from kabinet.crm import actions as crm_actions
from kabinet.crm.models import Order, Stage
from kabinet.sync import engine, writeback
from kabinet.sync.models import Link, Push, StageMap
from kabinet.testing import factories as f
from kabinet.testing.crm import connected
from kabinet.webhooks.models import InboxEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def synced():
    crm, connection = connected()
    person = crm.add_contact("Анна", "Петрова", emails=["anna@romashka.test"], phones=["+7 916 123-45-67"])
    deal = crm.add_deal("Поставка", pipeline_id="0", stage_id="OFFER", amount="1500", contact_id=person.id)
    engine.pull(connection)
    return crm, connection, deal


def post_event(client, connection, body: dict, django_capture_on_commit_callbacks):
    url = reverse("webhooks:inbox", args=[connection.inbox_source.path_secret])
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(url, data=json.dumps(body), content_type="application/json")


def test_a_crm_event_refetches_the_deal_and_moves_the_order(
    client, synced, django_capture_on_commit_callbacks
):
    crm, connection, deal = synced
    crm.update_deal(deal.id, stage_id="WORK", title="Поставка (изменено)")
    # the event's own values are never trusted: only the id is read, the deal is fetched again
    response = post_event(
        client, connection, {"token": "s3cret-token", "deals": [deal.id]}, django_capture_on_commit_callbacks
    )
    assert response.status_code == 202
    order = Order.objects.get()
    assert order.stage.client_name == "В работе" and order.title == "Поставка (изменено)"
    assert InboxEvent.objects.get().status == InboxEvent.Status.PROCESSED


def test_a_forged_event_is_stored_but_changes_nothing(client, synced, django_capture_on_commit_callbacks):
    crm, connection, deal = synced
    crm.update_deal(deal.id, stage_id="WORK")
    post_event(client, connection, {"token": "guess", "deals": [deal.id]}, django_capture_on_commit_callbacks)
    assert Order.objects.get().stage.client_name == "Коммерческое предложение"
    event = InboxEvent.objects.get()
    assert event.status == InboxEvent.Status.PROCESSED and event.effect.result == {"refused": "wrong token"}


def test_an_event_for_a_deal_deleted_since_marks_its_link(client, synced, django_capture_on_commit_callbacks):
    crm, connection, deal = synced
    crm.delete_deal(deal.id)
    post_event(
        client, connection, {"token": "s3cret-token", "deals": [deal.id]}, django_capture_on_commit_callbacks
    )
    assert Link.objects.get(kind="deal").deleted_in_crm and Order.objects.count() == 1


def test_a_clients_decision_reaches_the_crm_as_a_comment_with_his_name(
    synced, django_capture_on_commit_callbacks
):
    crm, connection, deal = synced
    order = Order.objects.get()
    offer = order.stage
    won = StageMap.objects.get(connection=connection, crm_id="WON").stage
    lost = StageMap.objects.get(connection=connection, crm_id="LOST").stage
    crm_actions.set_stage_decision(actor=None, stage=offer, confirm_stage=won, decline_stage=lost)
    user = f.UserFactory(email="anna@romashka.test")
    crm_actions.link_contact_user(actor=None, contact=order.contact, user=user)

    with django_capture_on_commit_callbacks(execute=True):
        crm_actions.respond_to_order(actor=user, order=order, decision="confirm", comment="Жду в понедельник")
    [comment] = crm.comments
    assert comment["entity"] == "deal" and comment["entity_id"] == deal.id
    assert "Анна Петрова" in comment["text"] and "Жду в понедельник" in comment["text"]
    push = Push.objects.get()
    assert push.status == Push.Status.SENT and push.author == user and push.remote_id == comment["id"]

    # the CRM's echo of the decision changes nothing, and Kabinet's own stage move is not sent back
    crm.update_deal(deal.id, stage_id="WON")
    engine.pull(type(connection).objects.get(pk=connection.pk))
    assert Order.objects.get().stage == won and len(crm.comments) == 1
    assert Stage.objects.filter(pk=won.pk).exists()


def test_a_refused_comment_is_retried_later_and_staff_see_the_error(
    synced, django_capture_on_commit_callbacks
):
    crm, connection, deal = synced
    order = Order.objects.get()
    user = f.UserFactory()
    crm_actions.link_contact_user(actor=None, contact=order.contact, user=user)
    crm.fail_next("rate_limited", "OPERATION_TIME_LIMIT")
    with django_capture_on_commit_callbacks(execute=True):
        crm_actions.update_contact_details(
            actor=user, contact=order.contact, first_name="Анна", last_name="Иванова"
        )
    push = Push.objects.get()
    assert push.status == Push.Status.FAILED and push.last_error == "OPERATION_TIME_LIMIT"
    assert push.entity == "contact" and push.next_attempt_at is not None
    assert writeback.deliver(push.pk) == Push.Status.SENT
    assert "Анна Иванова" in crm.comments[0]["text"]


def test_staff_actions_and_the_syncs_own_writes_are_not_written_back(
    synced, django_capture_on_commit_callbacks
):
    crm, connection, deal = synced
    order = Order.objects.get()
    staff = f.StaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        crm_actions.update_contact_details(actor=staff, contact=order.contact, first_name="Анна")
        crm_actions.change_order_stage(actor=None, order=order, stage=order.pipeline.stages.last())
    assert not Push.objects.exists() and not crm.comments
