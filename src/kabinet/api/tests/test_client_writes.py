"""The client API's writes a mobile app needs: a ticket, a chat message with a file, "My data", a decision on
an order's offer, notices read. Each calls the action the portal's page calls, as the signed-in client."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kabinet.api.actions import issue_api_key
from kabinet.api.models import RESOURCES, WRITE
from kabinet.files.models import ClientFile
from kabinet.messaging.models import Message
from kabinet.notifications.models import Notification
from kabinet.testing import factories as f
from kabinet.tickets.models import Ticket

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%kabinet api\n"


@pytest.fixture
def me(world):
    issued = issue_api_key(
        actor=world.users["staff"],
        name="app",
        scopes=dict.fromkeys(RESOURCES, WRITE),
        user=world.users["owner"],
    )
    return {"Authorization": f"Bearer {issued.key}", "Accept-Language": "en"}


def _send(method, path, headers, body=None, **extra):
    return getattr(Client(), method)(
        path, body or {}, content_type="application/json", headers={**headers, **extra}
    )


def _fields(answer) -> set:
    return {e["field"] for e in answer.json()["errors"]}


def test_a_client_opens_a_ticket_in_his_company(world, me):
    opened = _send("post", "/api/v1/me/tickets", me, {"subject": "Где заказ?", "body": "Жду вторую неделю"})
    assert opened.status_code == 201, opened.content
    ticket = Ticket.objects.get(public_id=opened.json()["id"])
    assert (ticket.contact, ticket.company, ticket.source) == (
        world.users["owner"].contact,
        world.company,
        "portal",
    )
    assert Client().get(f"/api/v1/me/tickets/{ticket.public_id}", headers=me).status_code == 200
    empty = _send("post", "/api/v1/me/tickets", me, {"subject": " ", "body": "x"})
    assert empty.status_code == 422 and _fields(empty) == {"subject"}


def test_a_client_writes_to_the_team_with_a_checked_attachment(world, me):
    upload = SimpleUploadedFile("счёт.pdf", PDF, content_type="application/pdf")
    sent = Client().post("/api/v1/me/messages", {"body": "Вот счёт", "attachments": [upload]}, headers=me)
    assert sent.status_code == 201, sent.content
    message = Message.objects.get(public_id=sent.json()["id"])
    assert message.body == "Вот счёт" and not sent.json()["from_staff"]
    assert ClientFile.objects.filter(original_name="счёт.pdf").count() == 1
    before = ClientFile.objects.count()
    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00 not a picture", content_type="image/png")
    refused = Client().post("/api/v1/me/messages", {"body": "ещё", "attachments": [fake]}, headers=me)
    assert refused.status_code == 422, refused.content
    assert ClientFile.objects.count() == before
    assert Client().post("/api/v1/me/messages", {"body": ""}, headers=me).status_code == 422


def test_my_data_changes_through_the_portals_rules(world, me):
    read = Client().get("/api/v1/me/profile", headers=me)
    assert read.status_code == 200
    old = [e["value"] for e in read.json()["emails"]]
    assert _send("patch", "/api/v1/me/profile", me, {"last_name": "Новикова"}).status_code == 428
    changed = _send(
        "patch",
        "/api/v1/me/profile",
        me,
        {"last_name": "Новикова", "emails": [*old, "second@example.test"]},
        **{"If-Match": read["ETag"]},
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["last_name"] == "Новикова"
    added = [e for e in changed.json()["emails"] if e["value"] == "second@example.test"]
    assert added == [{"value": "second@example.test", "is_primary": False, "verified": False}]
    bad = _send("patch", "/api/v1/me/profile", me, {"phones": ["12"]}, **{"If-Match": changed["ETag"]})
    assert bad.status_code == 422 and _fields(bad) == {"phones"}
    stale = _send("patch", "/api/v1/me/profile", me, {"last_name": "Иванова"}, **{"If-Match": read["ETag"]})
    assert stale.status_code == 412


def test_a_client_confirms_an_offer_once(world, me):
    order = world.order
    accepted = f.StageFactory(pipeline=order.pipeline, name="Согласовано")
    offer = f.StageFactory(
        pipeline=order.pipeline, name="Предложение", asks_client=True, confirm_stage=accepted
    )
    type(order).objects.filter(pk=order.pk).update(stage=offer)
    path = f"/api/v1/me/orders/{order.public_id}/decision"
    confirmed = _send("post", path, me, {"decision": "confirm"}, **{"Idempotency-Key": "yes-1"})
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["stage"]["id"] == accepted.pk
    replay = _send("post", path, me, {"decision": "confirm"}, **{"Idempotency-Key": "yes-1"})
    assert replay["Idempotent-Replayed"] == "true"
    late = _send("post", path, me, {"decision": "decline"})
    assert late.status_code == 422  # nothing asks any more
    foreign = f"/api/v1/me/orders/{world.foreign['order'].public_id}/decision"
    assert _send("post", foreign, me, {"decision": "confirm"}).status_code == 404


def test_a_client_marks_his_notices_read(world, me):
    contact = world.users["owner"].contact
    first, second = (
        f.NotificationFactory(contact=contact, company=world.company),
        f.NotificationFactory(contact=contact, company=world.company),
    )
    theirs = world.foreign["notification"]
    one = _send("post", "/api/v1/me/notifications/read", me, {"notifications": [first.public_id]})
    assert one.status_code == 200 and one.json() == {"object": "notifications_read", "changed": 1}
    _send("post", "/api/v1/me/notifications/read", me, {"notifications": [theirs.public_id]})
    assert Notification.objects.get(pk=theirs.pk).read_at is None  # someone else's: untouched
    rest = _send("post", "/api/v1/me/notifications/read", me, {})
    assert rest.json()["changed"] >= 1
    assert Notification.objects.get(pk=second.pk).read_at is not None
