"""Stripe against its documented requests and answers (Checkout Sessions, refunds, signed webhooks), served by a
local HTTP server; notifications go through the real webhooks inbox."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from werkzeug import Response

from kabinet.billing.models import Invoice
from kabinet.integrations.payments.stripe import signature_ok
from kabinet.payments.models import LedgerEntry, Payment
from kabinet.testing.matrix import Role
from kabinet.testing.payments import STRIPE_KEY, use_stripe
from kabinet.webhooks import actions as webhook_actions
from kabinet.webhooks.models import InboxEvent, InboxSource, OutboxEvent

pytestmark = pytest.mark.django_db
SESSION_ID = "cs_test_a1b2c3d4e5f6g7h8i9j0"
ENDPOINT_SECRET = "whsec_test_0123456789abcdef"


def documented_session(
    status: str = "open", payment_status: str = "unpaid", metadata: dict | None = None
) -> dict:
    return {
        "id": SESSION_ID,
        "object": "checkout.session",
        "amount_subtotal": 990000,
        "amount_total": 990000,
        "client_reference_id": (metadata or {}).get("invoice"),
        "currency": "rub",
        "customer_email": "owner@example.test",
        "livemode": False,
        "metadata": metadata or {},
        "mode": "payment",
        "payment_intent": "pi_3MtwBwLkdIwHu7ix28a3tqPa" if status == "complete" else None,
        "payment_status": payment_status,
        "status": status,
        "url": f"https://checkout.stripe.com/c/pay/{SESSION_ID}" if status == "open" else None,
    }


def event(event_id: str, kind: str, session: dict) -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "api_version": "2024-06-20",
            "type": kind,
            "data": {"object": session},
        }
    ).encode()


def signed(body: bytes, *, secret: str = ENDPOINT_SECRET, at: float | None = None) -> dict[str, str]:
    stamp = int(time.time() if at is None else at)
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={stamp},v1={digest}"}


@pytest.fixture
def api(settings, httpserver):
    use_stripe(settings, httpserver.url_for(""))
    state = {"status": "open", "payment_status": "unpaid", "metadata": {}, "forms": []}

    def create(request):
        form = request.form.to_dict()
        state["forms"].append((dict(request.headers), form))
        state["metadata"] = {"invoice": form["metadata[invoice]"], "payment": form["metadata[payment]"]}
        return Response(
            json.dumps(documented_session(metadata=state["metadata"])), 200, content_type="application/json"
        )

    def get(request):
        body = documented_session(state["status"], state["payment_status"], state["metadata"])
        return Response(json.dumps(body), 200, content_type="application/json")

    httpserver.expect_request("/v1/checkout/sessions", method="POST").respond_with_handler(create)
    httpserver.expect_request(f"/v1/checkout/sessions/{SESSION_ID}", method="GET").respond_with_handler(get)
    return state


def _source() -> InboxSource:
    return webhook_actions.save_inbox_source(
        actor=None,
        source=InboxSource(
            provider="stripe", verification=InboxSource.Verification.NONE, event_id_field="id"
        ),
        secret=ENDPOINT_SECRET,
    )


def _post(source: InboxSource, body: bytes, headers: dict[str, str]):
    return Client().post(
        f"/hooks/in/{source.path_secret}/", body, content_type="application/json", headers=headers
    )


def test_a_checkout_session_is_created_with_the_documented_form(world, api):
    answer = world.client_for(Role.OWNER).post(reverse("payments:pay", args=[world.invoice.public_id]))
    assert (
        answer.status_code == 302 and answer["Location"] == f"https://checkout.stripe.com/c/pay/{SESSION_ID}"
    )
    [(headers, form)] = api["forms"]
    payment = Payment.objects.get()
    assert (
        headers["Authorization"] == f"Bearer {STRIPE_KEY}" and headers["Idempotency-Key"] == payment.public_id
    )
    assert form["mode"] == "payment" and form["line_items[0][price_data][currency]"] == "rub"
    assert form["line_items[0][price_data][unit_amount]"] == "990000"  # kopecks, an integer
    assert (
        form["metadata[invoice]"] == world.invoice.public_id
        and form["metadata[payment]"] == payment.public_id
    )
    assert form["success_url"].endswith(reverse("payments:return", args=[payment.public_id]))


def test_signed_events_replayed_pay_once_and_forged_or_stale_ones_are_refused(
    world, api, django_capture_on_commit_callbacks
):
    world.client_for(Role.OWNER).post(reverse("payments:pay", args=[world.invoice.public_id]))
    source = _source()
    completed = event(
        "evt_1", "checkout.session.completed", documented_session("complete", "paid", api["metadata"])
    )
    assert _post(source, completed, signed(completed, secret="whsec_wrong")).status_code == 401
    assert _post(source, completed, signed(completed, at=time.time() - 301)).status_code == 401
    assert _post(source, completed, {}).status_code == 401
    assert not InboxEvent.objects.exists()
    api.update(status="complete", payment_status="paid")
    with django_capture_on_commit_callbacks(execute=True):
        answers = [_post(source, completed, signed(completed)).status_code for _ in range(5)]
    assert answers == [202, 200, 200, 200, 200]
    payment = Payment.objects.get()
    world.invoice.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED and world.invoice.status == Invoice.Status.PAID
    assert LedgerEntry.objects.count() == 1 and OutboxEvent.objects.filter(type="invoice.paid").count() == 1


def test_a_signed_event_the_api_does_not_confirm_pays_nothing(world, api, django_capture_on_commit_callbacks):
    world.client_for(Role.OWNER).post(reverse("payments:pay", args=[world.invoice.public_id]))
    lie = event(
        "evt_2", "checkout.session.completed", documented_session("complete", "paid", api["metadata"])
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(_source(), lie, signed(lie)).status_code == 202
    world.invoice.refresh_from_db()
    assert (
        world.invoice.status == Invoice.Status.UNPAID
        and Payment.objects.get().status == Payment.Status.PENDING
    )
    api["status"] = "expired"
    expired = event(
        "evt_3", "checkout.session.expired", documented_session("expired", "unpaid", api["metadata"])
    )
    with django_capture_on_commit_callbacks(execute=True):
        _post(InboxSource.objects.get(), expired, signed(expired))
    assert Payment.objects.get().status == Payment.Status.CANCELED


def test_the_signature_accepts_any_v1_during_a_secret_roll():
    body = b'{"id": "evt_1"}'
    now = 1_800_000_000
    good = hmac.new(b"whsec_new", f"{now}.".encode() + body, hashlib.sha256).hexdigest()
    assert signature_ok(body, f"t={now},v1={'0' * 64},v1={good}", "whsec_new", now=now + 299)
    assert not signature_ok(body, f"t={now},v1={good}", "whsec_new", now=now + 301)
    assert not signature_ok(body, f"t={now},v0={good}", "whsec_new", now=now)


def test_a_refund_names_the_sessions_payment_intent(httpserver, settings):
    from kabinet.integrations.payments.stripe import StripeProvider

    settings.KABINET_STRIPE_URL = httpserver.url_for("").rstrip("/")
    httpserver.expect_request(f"/v1/checkout/sessions/{SESSION_ID}").respond_with_json(
        documented_session("complete", "paid")
    )
    httpserver.expect_request("/v1/refunds", method="POST").respond_with_json(
        {"id": "re_1Nispe2eZvKYlo2Cd31jOCgZ", "object": "refund", "amount": 90000, "status": "succeeded"}
    )
    result = StripeProvider({"secret_key": STRIPE_KEY}, sleep=lambda s: None).refund(
        SESSION_ID, amount=Decimal("900.00"), currency="RUB", idempotency_key="r1"
    )
    assert result.accepted and result.refund_id == "re_1Nispe2eZvKYlo2Cd31jOCgZ"
    refund_request = httpserver.log[-1][0]
    assert refund_request.form.to_dict() == {
        "payment_intent": "pi_3MtwBwLkdIwHu7ix28a3tqPa",
        "amount": "90000",
    }


def test_staff_capture_a_held_checkout_payment(world, httpserver, settings):
    """Manual capture: the completed session's PaymentIntent waits in ``requires_capture`` until captured."""
    from kabinet.payments import actions
    from kabinet.payments.models import PaymentSettings

    use_stripe(settings, httpserver.url_for(""))
    PaymentSettings.objects.create(two_stage=True)
    state = {"intent": "requires_capture", "metadata": {}}
    intent_id = "pi_3MtwBwLkdIwHu7ix28a3tqPa"

    def create(request):
        form = request.form.to_dict()
        assert form["payment_intent_data[capture_method]"] == "manual"
        state["metadata"] = {"invoice": form["metadata[invoice]"], "payment": form["metadata[payment]"]}
        return Response(
            json.dumps(documented_session(metadata=state["metadata"])), 200, content_type="application/json"
        )

    def get(request):
        body = documented_session("complete", "unpaid", state["metadata"])
        if request.args.get("expand[]") == "payment_intent":
            body["payment_intent"] = {
                "id": intent_id,
                "object": "payment_intent",
                "amount": 990000,
                "amount_capturable": 990000 if state["intent"] == "requires_capture" else 0,
                "capture_method": "manual",
                "currency": "rub",
                "status": state["intent"],
            }
        return Response(json.dumps(body), 200, content_type="application/json")

    def capture(request):
        assert request.form.to_dict() == {"amount_to_capture": "990000"}
        state["intent"] = "succeeded"
        return Response(
            json.dumps({"id": intent_id, "object": "payment_intent", "status": "succeeded"}),
            200,
            content_type="application/json",
        )

    httpserver.expect_request("/v1/checkout/sessions", method="POST").respond_with_handler(create)
    httpserver.expect_request(f"/v1/checkout/sessions/{SESSION_ID}", method="GET").respond_with_handler(get)
    httpserver.expect_request(f"/v1/payment_intents/{intent_id}/capture", method="POST").respond_with_handler(
        capture
    )
    world.client_for(Role.OWNER).post(reverse("payments:pay", args=[world.invoice.public_id]))
    from kabinet.payments.sync import sync_payment

    sync_payment("stripe", SESSION_ID)
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.WAITING_FOR_CAPTURE
    captured = actions.capture_payment(actor=None, payment=payment)
    assert captured.status == Payment.Status.SUCCEEDED
    capture_request = next(r for r, _ in httpserver.log if r.path.endswith("/capture"))
    assert capture_request.headers["Idempotency-Key"] == f"{payment.public_id}-capture"
    world.invoice.refresh_from_db()
    assert world.invoice.status == Invoice.Status.PAID


def test_a_stripe_hold_cancelled_automatically_is_recorded(httpserver, settings):
    from kabinet.integrations.payments.stripe import StripeProvider
    from kabinet.payments.actions import record_provider_state

    settings.KABINET_STRIPE_URL = httpserver.url_for("").rstrip("/")
    body = documented_session("complete", "unpaid")
    body["payment_intent"] = {
        "id": "pi_1",
        "object": "payment_intent",
        "status": "canceled",
        "cancellation_reason": "automatic",
    }
    httpserver.expect_request(f"/v1/checkout/sessions/{SESSION_ID}").respond_with_json(body)
    state = StripeProvider({"secret_key": STRIPE_KEY}, sleep=lambda s: None).fetch_payment(SESSION_ID)
    assert state.status == "canceled" and state.error == "automatic"
    assert record_provider_state(state=state) is None  # a session Kabinet never created changes nothing


def test_payment_intent_canceled_cancels_the_held_payment_once_and_the_invoice_stays_unpaid(
    world, httpserver, settings, django_capture_on_commit_callbacks
):
    """Stripe cancels a hold nobody captured (7 days, ``cancellation_reason=automatic``) and sends
    ``payment_intent.canceled``, whose object is the PaymentIntent: Kabinet finds its session
    (``GET /v1/checkout/sessions?payment_intent=…``), re-reads it and records the payment cancelled. Replays are
    deduplicated by the event id; a forged copy is refused; the invoice stays unpaid."""
    from kabinet.payments.models import PaymentSettings

    use_stripe(settings, httpserver.url_for(""))
    PaymentSettings.objects.create(two_stage=True)
    intent_id = "pi_3MtwBwLkdIwHu7ix28a3tqPa"
    state = {"intent": "requires_capture", "metadata": {}}

    def create(request):
        form = request.form.to_dict()
        state["metadata"] = {"invoice": form["metadata[invoice]"], "payment": form["metadata[payment]"]}
        return Response(
            json.dumps(documented_session(metadata=state["metadata"])), 200, content_type="application/json"
        )

    def intent() -> dict:
        return {
            "id": intent_id,
            "object": "payment_intent",
            "amount": 990000,
            "amount_capturable": 990000 if state["intent"] == "requires_capture" else 0,
            "capture_method": "manual",
            "currency": "rub",
            "status": state["intent"],
            "cancellation_reason": "automatic" if state["intent"] == "canceled" else None,
            "metadata": {},
        }

    def get(request):
        body = documented_session("complete", "unpaid", state["metadata"])
        if request.args.get("expand[]") == "payment_intent":
            body["payment_intent"] = intent()
        return Response(json.dumps(body), 200, content_type="application/json")

    def listing(request):
        found = [documented_session("complete", "unpaid", state["metadata"])]
        body = {"object": "list", "url": "/v1/checkout/sessions", "has_more": False}
        body["data"] = found if request.args.get("payment_intent") == intent_id else []
        return Response(json.dumps(body), 200, content_type="application/json")

    httpserver.expect_request("/v1/checkout/sessions", method="POST").respond_with_handler(create)
    httpserver.expect_request("/v1/checkout/sessions", method="GET").respond_with_handler(listing)
    httpserver.expect_request(f"/v1/checkout/sessions/{SESSION_ID}", method="GET").respond_with_handler(get)
    world.client_for(Role.OWNER).post(reverse("payments:pay", args=[world.invoice.public_id]))
    source = _source()
    completed = event(
        "evt_10", "checkout.session.completed", documented_session("complete", "unpaid", state["metadata"])
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(source, completed, signed(completed)).status_code == 202
    assert Payment.objects.get().status == Payment.Status.WAITING_FOR_CAPTURE

    state["intent"] = "canceled"
    canceled = json.dumps(
        {
            "id": "evt_11",
            "object": "event",
            "api_version": "2024-06-20",
            "type": "payment_intent.canceled",
            "data": {"object": intent()},
        }
    ).encode()
    assert _post(source, canceled, signed(canceled, secret="whsec_wrong")).status_code == 401
    with django_capture_on_commit_callbacks(execute=True):
        answers = [_post(source, canceled, signed(canceled)).status_code for _ in range(3)]
    assert answers == [202, 200, 200]
    lookups = [r for r, _ in httpserver.log if r.path == "/v1/checkout/sessions" and r.method == "GET"]
    assert len(lookups) == 1 and lookups[0].args.get("payment_intent") == intent_id
    payment = Payment.objects.get()
    world.invoice.refresh_from_db()
    assert payment.status == Payment.Status.CANCELED and payment.provider_error == "automatic"
    assert world.invoice.status == Invoice.Status.UNPAID and world.invoice.paid_amount == 0
    assert not LedgerEntry.objects.exists()
    assert InboxEvent.objects.filter(source=source).count() == 2  # the completed event and one canceled

    # A PaymentIntent no Checkout Session of Kabinet's made: processed, nothing changes.
    foreign = json.dumps(
        {
            "id": "evt_12",
            "object": "event",
            "type": "payment_intent.canceled",
            "data": {"object": {**intent(), "id": "pi_someone_else"}},
        }
    ).encode()
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(source, foreign, signed(foreign)).status_code == 202
    assert Payment.objects.get().status == Payment.Status.CANCELED
