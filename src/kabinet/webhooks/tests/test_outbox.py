"""Outgoing webhooks: the outbox in the change's transaction, signed delivery, retries, 410, SSRF guard."""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from kabinet.core import crypto
from kabinet.crm import actions as crm_actions
from kabinet.testing import factories as f
from kabinet.testing.receiver import webhook_receiver
from kabinet.webhooks import actions, delivery
from kabinet.webhooks.models import Delivery, OutboxEvent, WebhookEndpoint
from kabinet.webhooks.signing import verify

pytestmark = pytest.mark.django_db


def _endpoint(url: str, *, events=(), allow_private=True) -> tuple[WebhookEndpoint, str]:
    return actions.create_endpoint(
        actor=None, name="ERP", url=url, events=list(events), allow_private_network=allow_private
    )


def test_the_secret_is_stored_encrypted():
    endpoint, secret = _endpoint("https://erp.example.test/hook")
    assert secret.startswith("whsec_") and secret not in endpoint.secret_encrypted
    assert crypto.decrypt_text(endpoint.secret_encrypted, crypto.WEBHOOK_SECRETS) == secret


def test_after_a_secret_key_rotation_the_command_keeps_the_secrets_readable(settings):
    from io import StringIO

    from django.core.management import call_command

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "old-secret-key-" * 3, []
    endpoint, first = _endpoint("https://erp.example.test/hook")
    second = actions.rotate_secret(actor=None, endpoint=endpoint)  # both sign while the rotation lasts
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "new-secret-key-" * 3, ["old-secret-key-" * 3]
    out = StringIO()
    call_command("rotate_credentials", stdout=out)
    assert "re-encrypted webhook secrets: 2" in out.getvalue()
    settings.SECRET_KEY_FALLBACKS = []  # the old key is gone: only what was re-encrypted still opens
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secrets == [second, first]


def test_a_stage_change_is_delivered_signed_and_verifiable(django_capture_on_commit_callbacks):
    order = f.OrderFactory()
    stage = f.StageFactory(pipeline=order.pipeline, name="Готово")
    with webhook_receiver() as receiver:
        endpoint, secret = _endpoint(receiver.url, events=["order.stage_changed"])
        with django_capture_on_commit_callbacks(execute=True):  # jobs run inline in tests
            crm_actions.change_order_stage(actor=None, order=order, stage=stage)
        assert len(receiver.requests) == 1
    request = receiver.requests[0]
    body = json.loads(request.body)
    assert body["type"] == "order.stage_changed" and body["data"]["id"] == order.public_id
    assert verify(
        secret,
        request.headers["webhook-id"],
        int(request.headers["webhook-timestamp"]),
        request.body,
        request.headers["webhook-signature"],
    )
    sent = Delivery.objects.get()
    assert (
        sent.status == Delivery.Status.SUCCEEDED and sent.response_code == 200 and sent.endpoint == endpoint
    )


def test_the_outbox_row_rolls_back_with_the_change():
    _endpoint("https://erp.example.test/hook")
    order = f.OrderFactory()
    stage = f.StageFactory(pipeline=order.pipeline)
    before = OutboxEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        crm_actions.change_order_stage(actor=None, order=order, stage=stage)
        raise RuntimeError("the change fails after the action")
    assert OutboxEvent.objects.count() == before


def test_a_failure_is_retried_on_the_schedule_and_410_disables_the_endpoint(
    django_capture_on_commit_callbacks,
):
    with webhook_receiver() as receiver:
        receiver.answers = [500, 410]
        endpoint, _ = _endpoint(receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            actions.send_test_event(actor=None, endpoint=endpoint)
        sent = Delivery.objects.get()
        assert sent.status == Delivery.Status.FAILED and sent.response_code == 500
        assert (sent.next_attempt_at - sent.last_attempt_at).total_seconds() == delivery.RETRY_DELAYS[0]
        Delivery.objects.filter(pk=sent.pk).update(next_attempt_at=sent.last_attempt_at)  # now due
        assert delivery.deliver(sent.pk) == Delivery.Status.DEAD
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_reason == "410 Gone"
    assert [r.headers["webhook-id"] for r in receiver.requests] == [sent.event.event_id] * 2


def test_loopback_is_refused_unless_staff_allow_it(django_capture_on_commit_callbacks):
    with webhook_receiver() as receiver:
        endpoint, _ = _endpoint(receiver.url, allow_private=False)
        with django_capture_on_commit_callbacks(execute=True):
            actions.send_test_event(actor=None, endpoint=endpoint)
        assert receiver.requests == []
    refused = Delivery.objects.get()
    assert refused.status == Delivery.Status.FAILED and "internal address" in refused.last_error


def test_during_a_rotation_both_secrets_sign(django_capture_on_commit_callbacks):
    with webhook_receiver() as receiver:
        endpoint, old = _endpoint(receiver.url)
        new = actions.rotate_secret(actor=None, endpoint=endpoint)
        with django_capture_on_commit_callbacks(execute=True):
            actions.send_test_event(actor=None, endpoint=endpoint)
    request = receiver.requests[0]
    args = (request.headers["webhook-id"], int(request.headers["webhook-timestamp"]), request.body)
    assert len(request.headers["webhook-signature"].split()) == 2
    assert verify(old, *args, request.headers["webhook-signature"])
    assert verify(new, *args, request.headers["webhook-signature"])


def test_replay_sends_the_same_event_again(django_capture_on_commit_callbacks):
    with webhook_receiver() as receiver:
        endpoint, _ = _endpoint(receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            actions.send_test_event(actor=None, endpoint=endpoint)
        with django_capture_on_commit_callbacks(execute=True):
            actions.replay_delivery(actor=None, delivery=Delivery.objects.get())
    assert len(receiver.requests) == 2
    assert receiver.requests[0].headers["webhook-id"] == receiver.requests[1].headers["webhook-id"]


def test_new_contacts_and_issued_invoices_are_events():
    _endpoint("https://erp.example.test/hook")
    contact = crm_actions.create_contact(actor=None, first_name="Пётр")
    types = set(OutboxEvent.objects.values_list("type", flat=True))
    assert "client.created" in types
    assert OutboxEvent.objects.get(type="client.created").payload["id"] == contact.public_id
