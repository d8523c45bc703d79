"""docs/api.md's curl walk-through, step by step, against a live server and a live webhook receiver."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from kabinet.api.actions import issue_api_key
from kabinet.api.models import WRITE
from kabinet.testing import factories as f
from kabinet.testing.receiver import webhook_receiver
from kabinet.webhooks.actions import create_endpoint
from kabinet.webhooks.models import Delivery, OutboxEvent
from kabinet.webhooks.signing import verify
from kabinet.webhooks.tasks import sweep_webhooks


def _call(method: str, url: str, key: str, body: dict | None = None, **headers: str) -> tuple[int, Any, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - a loopback test server
            return answer.status, answer.headers, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read() or b"null")


@pytest.mark.slow
def test_from_a_new_client_to_the_stage_change_at_the_receiver(live_url):
    staff = f.StaffFactory()
    stage = f.order_stage()
    # after the first stage, whatever the factory's sequence has reached in this run (a fixed position once
    # came before it, so the new order started at "ready" and the move was no change at all)
    ready = f.StageFactory(pipeline=stage.pipeline, name="Готов к выдаче", position=stage.position + 1)
    key = issue_api_key(actor=staff, name="walk-through", scopes={"clients": WRITE, "orders": WRITE}).key
    with webhook_receiver() as receiver:
        # 0. In the back office: a webhook endpoint for order.stage_changed (the secret is shown once).
        _, secret = create_endpoint(
            actor=staff,
            name="receiver",
            url=receiver.url,
            events=["order.stage_changed"],
            allow_private_network=True,
        )
        # 1. A client.
        status, _, contact = _call(
            "POST",
            f"{live_url}/api/v1/contacts",
            key,
            {"first_name": "Анна", "emails": ["anna@example.test"]},
            **{"Idempotency-Key": "walk-1"},
        )
        assert status == 201 and contact["object"] == "contact"
        # 2. His order.
        status, _, order = _call(
            "POST",
            f"{live_url}/api/v1/orders",
            key,
            {
                "title": "Кухня на заказ",
                "contact": contact["id"],
                "items": [{"name": "Фасады", "quantity": "4", "price": "12500.00"}],
            },
            **{"Idempotency-Key": "walk-2"},
        )
        assert status == 201 and order["amount"] == "50000.00"
        # 3. Read it, keep its ETag.
        status, headers, _ = _call("GET", f"{live_url}/api/v1/orders/{order['id']}", key)
        etag = headers["ETag"]
        # 4. Move it on, with If-Match.
        status, _, moved = _call(
            "POST",
            f"{live_url}/api/v1/orders/{order['id']}/stage",
            key,
            {"stage": ready.pk},
            **{"If-Match": etag},
        )
        assert status == 200 and moved["stage"]["name"] == "Готов к выдаче"
        # 5. The receiver has the signed event.
        # The first attempt runs on commit; if it fails, the worker's periodic sweep sends the retry once it
        # is due (5 s later). The test plays the sweep's clock, as a running worker would every minute.
        deadline = time.monotonic() + 120  # an upper bound for a loaded machine; it ends when the event is in
        while not receiver.requests and time.monotonic() < deadline:
            if not receiver.arrived.wait(3):
                sweep_webhooks.call_local()
    # At least once: a retry may repeat the event, always with the same webhook-id (receivers dedupe by it).
    got = [(r.headers.get("webhook-id"), json.loads(r.body)["type"]) for r in receiver.requests]
    assert got and len({message_id for message_id, _ in got}) == 1, (
        got,
        list(OutboxEvent.objects.values_list("type", flat=True)),
        list(Delivery.objects.values("status", "attempts", "response_code", "last_error", "next_attempt_at")),
    )
    request = receiver.requests[0]
    event = json.loads(request.body)
    assert event["type"] == "order.stage_changed" and event["data"]["id"] == order["id"]
    assert verify(
        secret,
        request.headers["webhook-id"],
        int(request.headers["webhook-timestamp"]),
        request.body,
        request.headers["webhook-signature"],
    )
