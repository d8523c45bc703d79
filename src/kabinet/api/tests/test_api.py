"""The API's conventions: keys, problem+json, cursor pages, sync filters, expand, idempotency, ETags, limits."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from kabinet.api.actions import issue_api_key, revoke_api_key
from kabinet.api.models import ApiKey
from kabinet.billing.models import Invoice
from kabinet.core.models import AuditEntry
from kabinet.crm.models import Contact, Order, TimelineEntry
from kabinet.testing import factories as f

pytestmark = pytest.mark.django_db


def _get(path, headers, **params):
    return Client().get(path, params, headers=headers)


def _post(path, headers, body, **extra):
    return Client().post(path, body, content_type="application/json", headers={**headers, **extra})


def test_the_schema_is_openapi_3_1_and_lists_both_audiences():
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert "/api/v1/orders" in schema["paths"] and "/api/v1/me/orders" in schema["paths"]
    assert Client().get("/api/v1/docs").status_code == 200


def test_the_key_is_stored_hashed_and_its_use_remembered(integrator_key, auth):
    stored = ApiKey.objects.get()
    assert integrator_key.key not in (stored.key_hash, stored.prefix) and stored.last_used_at is None
    assert _get("/api/v1/orders", auth).status_code == 200
    stored.refresh_from_db()
    assert stored.last_used_at is not None and stored.last_used_ip == "127.0.0.1"


def test_revoked_expired_and_foreign_address_keys_answer_401_and_are_audited(staff, integrator_key, auth):
    revoke_api_key(actor=staff, api_key=integrator_key.api_key)
    answer = _get("/api/v1/orders", auth)
    assert answer.status_code == 401
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["status"] == 401
    late = issue_api_key(
        actor=staff,
        name="old",
        scopes={"orders": "read"},
        expires_at=timezone.now() - datetime.timedelta(days=1),
    )
    assert _get("/api/v1/orders", {"Authorization": f"Bearer {late.key}"}).status_code == 401
    fenced = issue_api_key(
        actor=staff, name="fenced", scopes={"orders": "read"}, allowed_networks="10.0.0.0/8"
    )
    assert _get("/api/v1/orders", {"Authorization": f"Bearer {fenced.key}"}).status_code == 401
    reasons = set(AuditEntry.objects.filter(event="api.key_refused").values_list("data__reason", flat=True))
    assert reasons == {"revoked", "expired", "address"}


def test_cursor_pages_cover_every_row_once_newest_first(auth):
    orders = [f.OrderFactory() for _ in range(5)]
    seen, after = [], None
    while True:
        params = {"limit": 2, **({"starting_after": after} if after else {})}
        page = _get("/api/v1/orders", auth, **params).json()
        seen += [row["id"] for row in page["data"]]
        if not page["has_more"]:
            break
        after = page["data"][-1]["id"]
    assert seen == [o.public_id for o in sorted(orders, key=lambda o: (o.created_at, o.id), reverse=True)]


def test_limit_over_100_and_an_unknown_cursor_are_field_errors(auth):
    answer = _get("/api/v1/orders", auth, limit=101)
    assert answer.status_code == 422 and answer["Content-Type"] == "application/problem+json"
    assert answer.json()["errors"][0]["field"] == "limit"
    unknown = _get("/api/v1/orders", auth, starting_after="x" * 22)
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "starting_after"


def test_updated_since_returns_only_rows_changed_since(auth):
    old, new = f.OrderFactory(), f.OrderFactory()
    Order.objects.filter(pk=old.pk).update(updated_at=timezone.now() - datetime.timedelta(days=2))
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    ids = [row["id"] for row in _get("/api/v1/orders", auth, updated_since=since).json()["data"]]
    assert ids == [new.public_id]


def test_amounts_are_decimal_strings_times_carry_an_offset_and_ids_are_public(auth):
    order = f.OrderFactory(amount="1234.50")
    row = _get(f"/api/v1/orders/{order.public_id}", auth).json()
    assert row["amount"] == "1234.50" and row["id"] == order.public_id
    parsed = datetime.datetime.fromisoformat(row["created_at"].replace("Z", "+00:00"))
    assert parsed.utcoffset() is not None
    assert str(order.pk) not in (row["id"], row["stage"]["name"])


def test_expand_items_brings_the_items(auth):
    order = f.OrderFactory()
    order.items.create(name="Доставка", quantity=2, price="150.00")
    plain = _get("/api/v1/orders", auth).json()["data"][0]
    expanded = _get("/api/v1/orders", auth, expand="items").json()["data"][0]
    assert plain["items"] is None
    assert expanded["items"] == [
        {"name": "Доставка", "quantity": "2.000", "unit": "", "price": "150.00"}
    ]  # empty: pieces


def test_a_post_with_an_idempotency_key_runs_once_and_replays_the_first_answer(auth):
    body = {"first_name": "Пётр", "emails": ["petr@example.test"]}
    first = _post("/api/v1/contacts", auth, body, **{"Idempotency-Key": "k-1"})
    again = _post("/api/v1/contacts", auth, body, **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Contact.objects.filter(first_name="Пётр").count() == 1
    other = _post("/api/v1/contacts", auth, {**body, "first_name": "Иван"}, **{"Idempotency-Key": "k-1"})
    assert other.status_code == 422 and other["Content-Type"] == "application/problem+json"


def test_an_idempotency_key_belongs_to_its_caller(staff, auth):
    other = issue_api_key(actor=staff, name="other", scopes={"clients": "write"})
    body = {"first_name": "Пётр"}
    _post("/api/v1/contacts", auth, body, **{"Idempotency-Key": "same"})
    _post("/api/v1/contacts", {"Authorization": f"Bearer {other.key}"}, body, **{"Idempotency-Key": "same"})
    assert Contact.objects.filter(first_name="Пётр").count() == 2


def test_stage_change_needs_the_current_etag(auth):
    order = f.OrderFactory()
    target = f.StageFactory(pipeline=order.pipeline, name="В работе")
    path = f"/api/v1/orders/{order.public_id}/stage"
    etag = _get(f"/api/v1/orders/{order.public_id}", auth)["ETag"]
    assert _post(path, auth, {"stage": target.pk}).status_code == 428
    moved = _post(path, auth, {"stage": target.pk}, **{"If-Match": etag})
    assert moved.status_code == 200 and moved.json()["stage"]["name"] == "В работе"
    assert moved["ETag"] != etag
    stale = _post(path, auth, {"stage": order.stage_id}, **{"If-Match": etag})
    assert stale.status_code == 412
    order.refresh_from_db()
    assert order.stage_id == target.pk
    assert (
        TimelineEntry.objects.filter(event="order.stage_changed", subject_public_id=order.public_id).count()
        == 1
    )


def test_a_stage_of_another_pipeline_is_a_field_error(auth):
    order = f.OrderFactory()
    foreign = f.StageFactory(pipeline=f.PipelineFactory())
    etag = _get(f"/api/v1/orders/{order.public_id}", auth)["ETag"]
    answer = _post(
        f"/api/v1/orders/{order.public_id}/stage", auth, {"stage": foreign.pk}, **{"If-Match": etag}
    )
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "stage"


def test_action_validation_errors_come_back_at_the_field(auth):
    answer = _post("/api/v1/contacts", auth, {"first_name": "Пётр", "emails": ["not-an-email"]})
    assert answer.status_code == 422
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["errors"][0]["field"] == "email"


def test_rate_limit_answers_429_with_retry_after(settings, auth):
    settings.KABINET_API_RATE = "2/m"
    assert [_get("/api/v1/orders", auth).status_code for _ in range(2)] == [200, 200]
    limited = _get("/api/v1/orders", auth)
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert limited["Content-Type"] == "application/problem+json"


def test_a_personal_token_sees_what_its_client_sees(world):
    issued = issue_api_key(
        actor=world.users["staff"], name="app", scopes={"invoices": "read"}, user=world.users["owner"]
    )
    rows = _get("/api/v1/me/invoices", {"Authorization": f"Bearer {issued.key}"}).json()["data"]
    assert [r["id"] for r in rows] == [world.invoice.public_id]
    foreign = _get(
        f"/api/v1/me/invoices/{world.foreign['invoice'].public_id}", {"Authorization": f"Bearer {issued.key}"}
    )
    assert foreign.status_code == 404 and foreign["Content-Type"] == "application/problem+json"


def test_invoice_status_filter_is_the_portal_selectors(world):
    Invoice.objects.filter(pk=world.invoice.pk).update(
        due_date=timezone.localdate() - datetime.timedelta(days=3), status=Invoice.Status.UNPAID
    )
    client = world.client_for("owner")
    overdue = client.get("/api/v1/me/invoices", {"status": "overdue"}).json()["data"]
    paid = client.get("/api/v1/me/invoices", {"status": "paid"}).json()["data"]
    assert [r["id"] for r in overdue] == [world.invoice.public_id] and overdue[0]["status"] == "overdue"
    assert paid == []


def test_a_client_reply_through_the_api_is_the_portal_action(world):
    client = world.client_for("owner")
    answer = client.post(
        f"/api/v1/me/tickets/{world.ticket.public_id}/messages",
        {"body": "Спасибо!"},
        content_type="application/json",
    )
    assert answer.status_code == 201 and answer.json()["from_staff"] is False
    thread = client.get(f"/api/v1/me/tickets/{world.ticket.public_id}/messages").json()["data"]
    assert [m["body"] for m in thread] == ["Спасибо!"]


def test_internal_notes_reach_the_integrator_never_the_client(world, auth):
    answer = _post(
        f"/api/v1/tickets/{world.ticket.public_id}/messages", auth, {"body": "note", "internal": True}
    )
    assert answer.status_code == 201 and answer.json()["is_internal"] is True
    assert len(_get(f"/api/v1/tickets/{world.ticket.public_id}/messages", auth).json()["data"]) == 1
    mine = world.client_for("owner").get(f"/api/v1/me/tickets/{world.ticket.public_id}/messages").json()
    assert mine["data"] == []


@pytest.mark.parametrize(
    "stamp", ["0820-09-11T14:12:40+18:41", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"]
)
def test_updated_since_takes_any_offset_iso_8601_allows(auth, stamp):
    """PostgreSQL refused the offset +18:41 (500); the instant is compared in UTC."""
    f.OrderFactory()
    response = _get("/api/v1/orders", auth, updated_since=stamp)
    assert response.status_code == 200
