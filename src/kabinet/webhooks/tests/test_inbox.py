"""The incoming-webhook inbox: verification, raw storage, dedupe, fast 2xx, processing once in effect."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from kabinet.crm import actions as crm_actions
from kabinet.crm.models import Contact
from kabinet.webhooks import actions, inbox
from kabinet.webhooks.models import InboxEffect, InboxEvent, InboxSource
from kabinet.webhooks.signing import new_secret, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    """A provider whose events create a contact (through the action), like a CRM connector would."""
    calls = []

    def handle(event: InboxEvent) -> dict:
        calls.append(event.pk)
        payload = json.loads(bytes(event.body))
        contact = crm_actions.create_contact(actor=None, first_name=payload["name"])
        if len(calls) == 1 and payload.get("die_once"):
            raise SystemExit("the worker is killed in the middle of the job")
        return {"contact": contact.public_id}

    inbox.register_handler("test-crm", handle)
    yield calls
    inbox.HANDLERS.pop("test-crm", None)


def _source(verification=InboxSource.Verification.STANDARD, secret="", **fields) -> InboxSource:
    return actions.save_inbox_source(
        actor=None,
        source=InboxSource(provider="test-crm", verification=verification, **fields),
        secret=secret,
    )


def _signed(secret: str, body: bytes, message_id: str = "evt_1") -> dict[str, str]:
    stamp = int(time.time())
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(secret, message_id, stamp, body),
    }


def test_a_signed_event_is_stored_raw_answered_202_and_processed(
    provider, django_capture_on_commit_callbacks
):
    secret = new_secret()
    source = _source(secret=secret)
    body = json.dumps({"name": "Анна"}).encode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = Client().post(
            f"/hooks/in/{source.path_secret}/",
            body,
            content_type="application/json",
            headers=_signed(secret, body),
        )
    assert answer.status_code == 202
    event = InboxEvent.objects.get()
    assert bytes(event.body) == body and event.dedupe_key == "evt_1"
    assert event.status == InboxEvent.Status.PROCESSED and provider == [event.pk]


def test_a_bad_signature_and_an_unknown_path_are_refused(provider):
    secret = new_secret()
    source = _source(secret=secret)
    body = b'{"name": "x"}'
    forged = Client().post(
        f"/hooks/in/{source.path_secret}/",
        body,
        content_type="application/json",
        headers=_signed(new_secret(), body),
    )
    assert forged.status_code == 401
    assert Client().post("/hooks/in/nope/", body, content_type="application/json").status_code == 404
    assert InboxEvent.objects.count() == 0


def test_a_repeated_delivery_is_stored_once(provider, django_capture_on_commit_callbacks):
    source = _source(InboxSource.Verification.TOKEN, secret="s3cret", header="X-Token")
    body = b'{"name": "Boris"}'
    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            Client()
            .post(
                f"/hooks/in/{source.path_secret}/",
                body,
                content_type="application/json",
                headers={"X-Token": "s3cret"},
            )
            .status_code
            for _ in range(2)
        ]
    assert answers == [202, 200]
    assert InboxEvent.objects.count() == 1 and Contact.objects.filter(first_name="Boris").count() == 1


def test_a_worker_killed_mid_job_leaves_the_event_to_be_processed_exactly_once(provider):
    source = _source(InboxSource.Verification.NONE)
    event, _ = inbox.receive(
        source, RequestFactory().post("/"), json.dumps({"name": "Иван", "die_once": True}).encode()
    )
    with pytest.raises(SystemExit):
        inbox.process(event.pk)  # the effect and its record roll back together
    assert Contact.objects.filter(first_name="Иван").count() == 0
    assert inbox.due_events(timezone.now()) == [event.pk]  # the sweep picks it up again
    assert inbox.process(event.pk) == InboxEvent.Status.PROCESSED
    assert inbox.process(event.pk) == "skipped"  # a duplicate job changes nothing
    assert Contact.objects.filter(first_name="Иван").count() == 1 and InboxEffect.objects.count() == 1


def test_failures_retry_then_become_a_dead_letter(settings):
    settings.KABINET_INBOX_MAX_ATTEMPTS = 2
    source = _source(InboxSource.Verification.NONE)
    source.provider = "nobody-handles-this"
    source.save()
    event, _ = inbox.receive(source, RequestFactory().post("/"), b"{}")
    assert inbox.process(event.pk) == InboxEvent.Status.FAILED
    assert inbox.process(event.pk) == InboxEvent.Status.DEAD
    event.refresh_from_db()
    assert "no handler" in event.last_error and event.next_attempt_at is None
