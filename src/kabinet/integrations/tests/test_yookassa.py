"""YooKassa against its documented requests and answers (API v3), served by a local HTTP server.

The notification tests go through the real route: the webhooks inbox (IP ranges, raw storage, dedupe), its
job, the payments handler, the re-fetch from the (local) API and the actions.
"""

from __future__ import annotations

import base64
import copy
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from werkzeug import Response

from kabinet.billing.models import Invoice
from kabinet.core.providers.payments import PaymentRequest, ReceiptLine
from kabinet.integrations.payments.yookassa import NETWORKS, YooKassaProvider
from kabinet.payments.models import LedgerEntry, Payment
from kabinet.testing.matrix import Role
from kabinet.testing.payments import SECRET_KEY, SHOP_ID, use_yookassa
from kabinet.webhooks import actions as webhook_actions
from kabinet.webhooks.models import InboxEvent, InboxSource, OutboxEvent

pytestmark = pytest.mark.django_db
PAYMENT_ID = "22e12f66-000f-5000-8000-18db351245c7"


def documented_payment(status: str, *, amount: str = "9900.00", metadata: dict | None = None) -> dict:
    """The payment object as YooKassa's API reference shows it, in one of its states."""
    body = {
        "id": PAYMENT_ID,
        "status": status,
        "paid": status in ("waiting_for_capture", "succeeded"),
        "amount": {"value": amount, "currency": "RUB"},
        "confirmation": {
            "type": "redirect",
            "confirmation_url": f"https://yoomoney.ru/api-pages/v2/payment-confirm/epl?orderId={PAYMENT_ID}",
        },
        "created_at": "2026-12-01T10:51:18.139Z",
        "description": "Счёт №INV-00001",
        "metadata": metadata or {},
        "recipient": {"account_id": SHOP_ID, "gateway_id": "100700"},
        "refundable": status == "succeeded",
        "test": True,
    }
    if status in ("waiting_for_capture", "succeeded"):
        body["payment_method"] = {
            "type": "bank_card",
            "id": PAYMENT_ID,
            "saved": False,
            "card": {"first6": "555555", "last4": "4444", "expiry_month": "07", "expiry_year": "2027"},
            "title": "Bank card *4444",
        }
    if status == "succeeded":
        body["captured_at"] = "2026-12-01T10:52:01.000Z"
        body["income_amount"] = {"value": str(Decimal(amount) * Decimal("0.965")), "currency": "RUB"}
        body["refunded_amount"] = {"value": "0.00", "currency": "RUB"}
    return body


def notification(event: str, payment: dict) -> bytes:
    return json.dumps({"type": "notification", "event": event, "object": payment}).encode()


@pytest.fixture
def yookassa(settings, httpserver):
    use_yookassa(settings, httpserver.url_for(""))
    return httpserver


@pytest.fixture
def api(yookassa):
    """The local API: creating answers a pending payment; GET answers whatever ``state["status"]`` is."""
    state = {"status": "pending", "amount": "9900.00", "metadata": {}}

    def create(request):
        state["metadata"] = json.loads(request.data)["metadata"]
        return Response(
            json.dumps(documented_payment("pending", metadata=state["metadata"])),
            200,
            content_type="application/json",
        )

    def get(request):
        body = documented_payment(state["status"], amount=state["amount"], metadata=state["metadata"])
        return Response(json.dumps(body), 200, content_type="application/json")

    yookassa.expect_request("/v3/payments", method="POST").respond_with_handler(create)
    yookassa.expect_request(f"/v3/payments/{PAYMENT_ID}", method="GET").respond_with_handler(get)
    return state


def provider(**config) -> YooKassaProvider:
    return YooKassaProvider({"shop_id": SHOP_ID, "secret_key": SECRET_KEY, **config}, sleep=lambda s: None)


def test_a_payment_is_created_with_the_documented_body_and_headers(yookassa):
    yookassa.expect_request("/v3/payments", method="POST").respond_with_json(documented_payment("pending"))
    created = provider(tax_system_code="2").create_payment(
        PaymentRequest(
            invoice="inv_pub",
            payment="pay_pub",
            amount=Decimal("9900.00"),
            currency="RUB",
            description="Счёт №INV-00001",
            return_url="https://portal.example/payments/pay_pub/return/",
            idempotency_key="pay_pub",
            receipt=(
                ReceiptLine(
                    description="Монтаж", quantity=Decimal("2.000"), unit_price=Decimal("4950.00"), vat_code=4
                ),
            ),
            customer_email="anna@example.test",
            capture=False,
        )
    )
    assert created.accepted and created.payment_id == PAYMENT_ID
    assert created.confirmation_url.startswith("https://yoomoney.ru/api-pages/v2/payment-confirm/")
    [(request, _answer)] = yookassa.log
    assert request.headers["Idempotence-Key"] == "pay_pub"
    assert (
        request.headers["Authorization"]
        == "Basic " + base64.b64encode(f"{SHOP_ID}:{SECRET_KEY}".encode()).decode()
    )
    assert json.loads(request.data) == {
        "amount": {"value": "9900.00", "currency": "RUB"},
        "capture": False,
        "confirmation": {"type": "redirect", "return_url": "https://portal.example/payments/pay_pub/return/"},
        "description": "Счёт №INV-00001",
        "metadata": {"invoice": "inv_pub", "payment": "pay_pub"},
        "receipt": {
            "customer": {"email": "anna@example.test"},
            "tax_system_code": 2,
            "items": [
                {
                    "description": "Монтаж",
                    "quantity": "2",
                    "amount": {"value": "4950.00", "currency": "RUB"},
                    "vat_code": 4,
                    "payment_mode": "full_payment",
                    "payment_subject": "service",
                }
            ],
        },
    }


def test_an_error_answer_is_a_refusal_for_staff_and_a_500_is_retried_with_the_same_key(yookassa):
    error = {
        "type": "error",
        "id": "ab5a11cd",
        "code": "invalid_credentials",
        "description": "Error in shopId",
    }
    yookassa.expect_ordered_request("/v3/payments", method="POST").respond_with_json(
        {"type": "error"}, status=500
    )
    yookassa.expect_ordered_request("/v3/payments", method="POST").respond_with_json(error, status=401)
    created = provider().create_payment(
        PaymentRequest(
            invoice="i",
            payment="p",
            amount=Decimal("1.00"),
            currency="RUB",
            description="d",
            return_url="https://x/",
            idempotency_key="same-key",
        )
    )
    assert not created.accepted and "invalid_credentials" in created.error
    assert [r.headers["Idempotence-Key"] for r, _ in yookassa.log] == ["same-key", "same-key"]


def test_refund_and_capture_use_the_documented_calls(yookassa):
    yookassa.expect_request("/v3/refunds", method="POST").respond_with_json(
        {
            "id": "216749f7-0016-50be-b000-078d43a63ae4",
            "status": "succeeded",
            "payment_id": PAYMENT_ID,
            "amount": {"value": "900.00", "currency": "RUB"},
        }
    )
    yookassa.expect_request(f"/v3/payments/{PAYMENT_ID}/capture", method="POST").respond_with_json(
        documented_payment("succeeded")
    )
    refund = provider().refund(PAYMENT_ID, amount=Decimal("900"), currency="RUB", idempotency_key="r1")
    assert refund.accepted and refund.refund_id == "216749f7-0016-50be-b000-078d43a63ae4"
    captured = provider().capture(PAYMENT_ID, amount=Decimal("9900"), currency="RUB", idempotency_key="c1")
    assert captured.status == "succeeded" and captured.method == "bank_card"
    bodies = [json.loads(r.data) for r, _ in yookassa.log]
    assert bodies[0] == {"payment_id": PAYMENT_ID, "amount": {"value": "900.00", "currency": "RUB"}}
    assert bodies[1] == {"amount": {"value": "9900.00", "currency": "RUB"}}


def _source() -> InboxSource:
    # Staff paste YooKassa's published networks; the test client's address (127.0.0.1) is added for the test.
    return webhook_actions.save_inbox_source(
        actor=None,
        source=InboxSource(
            provider="yookassa",
            verification=InboxSource.Verification.NONE,
            allowed_networks=" ".join((*NETWORKS, "127.0.0.1/32")),
        ),
        secret="",
    )


def _post(source: InboxSource, body: bytes, address: str = "127.0.0.1"):
    return Client(REMOTE_ADDR=address).post(
        f"/hooks/in/{source.path_secret}/", body, content_type="application/json"
    )


def test_replayed_and_reordered_notifications_pay_the_invoice_once(
    world, api, django_capture_on_commit_callbacks
):
    client = world.client_for(Role.OWNER)
    started = client.post(reverse("payments:pay", args=[world.invoice.public_id]))
    assert started.status_code == 302 and started["Location"].startswith("https://yoomoney.ru/")
    payment = Payment.objects.get()
    assert payment.provider_payment_id == PAYMENT_ID and payment.status == Payment.Status.PENDING
    # The payer comes back before any notification: the page re-fetches, and nothing is paid yet.
    back = client.get(reverse("payments:return", args=[payment.public_id]), follow=True)
    assert "waiting for the payment service" in back.content.decode()
    source = _source()
    api["status"] = "succeeded"
    succeeded = notification("payment.succeeded", documented_payment("succeeded", metadata=api["metadata"]))
    late = notification("payment.waiting_for_capture", documented_payment("waiting_for_capture"))
    answers = []
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            answers.append(_post(source, succeeded).status_code)
        answers.append(_post(source, late).status_code)  # the earlier state, arriving last
    assert answers == [202, 200, 200, 200, 200, 202]
    assert InboxEvent.objects.filter(status=InboxEvent.Status.PROCESSED).count() == 2
    payment.refresh_from_db()
    world.invoice.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED and payment.method == Payment.Method.BANK_CARD
    assert world.invoice.status == Invoice.Status.PAID and world.invoice.paid_amount == Decimal("9900.00")
    assert Payment.objects.count() == 1 and LedgerEntry.objects.count() == 1
    assert OutboxEvent.objects.filter(type="invoice.paid").count() == 1


def test_a_forged_notification_is_refused_or_comes_to_nothing(world, api, django_capture_on_commit_callbacks):
    client = world.client_for(Role.OWNER)
    client.post(reverse("payments:pay", args=[world.invoice.public_id]))
    source = _source()
    forged = notification("payment.succeeded", documented_payment("succeeded", metadata=api["metadata"]))
    # From outside YooKassa's networks: refused before anything is stored.
    assert _post(source, forged, address="203.0.113.7").status_code == 401
    assert not InboxEvent.objects.exists()
    # From an allowed address but untrue: the API still says pending, so nothing is paid.
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(source, forged).status_code == 202
    world.invoice.refresh_from_db()
    assert (
        world.invoice.status == Invoice.Status.UNPAID
        and Payment.objects.get().status == Payment.Status.PENDING
    )


def test_a_different_amount_at_the_provider_goes_to_staff(world, api, django_capture_on_commit_callbacks):
    client = world.client_for(Role.OWNER)
    client.post(reverse("payments:pay", args=[world.invoice.public_id]))
    api.update(status="succeeded", amount="99.00")
    with django_capture_on_commit_callbacks(execute=True):
        _post(_source(), notification("payment.succeeded", copy.deepcopy(documented_payment("succeeded"))))
    payment = Payment.objects.get()
    world.invoice.refresh_from_db()
    assert payment.status == Payment.Status.REVIEW and world.invoice.status == Invoice.Status.UNPAID


def _held_payment(world, api, client) -> Payment:
    """A two-stage payment the payer authorised: YooKassa reports ``waiting_for_capture``."""
    from kabinet.payments.models import PaymentSettings

    PaymentSettings.objects.create(two_stage=True)
    client.post(reverse("payments:pay", args=[world.invoice.public_id]))
    api["status"] = "waiting_for_capture"
    from kabinet.payments.sync import sync_payment

    sync_payment("yookassa", PAYMENT_ID)
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.WAITING_FOR_CAPTURE
    return payment


def test_staff_capture_a_held_payment_with_the_documented_call(world, api, yookassa):
    from kabinet.core.audit import AuditEntry
    from kabinet.payments import actions
    from kabinet.testing import factories as f

    payment = _held_payment(world, api, world.client_for(Role.OWNER))
    assert json.loads(yookassa.log[0][0].data)["capture"] is False
    world.invoice.refresh_from_db()
    assert world.invoice.status == Invoice.Status.UNPAID  # held money is not paid money

    def capture(request):
        api["status"] = "succeeded"
        return Response(
            json.dumps(documented_payment("succeeded", metadata=api["metadata"])),
            200,
            content_type="application/json",
        )

    yookassa.expect_request(f"/v3/payments/{PAYMENT_ID}/capture", method="POST").respond_with_handler(capture)
    staff = f.StaffFactory()
    captured = actions.capture_payment(actor=staff, payment=payment)
    assert captured.status == Payment.Status.SUCCEEDED
    request = yookassa.log[-1][0]
    assert request.headers["Idempotence-Key"] == f"{payment.public_id}-capture"
    assert json.loads(request.data) == {"amount": {"value": "9900.00", "currency": "RUB"}}
    world.invoice.refresh_from_db()
    assert world.invoice.status == Invoice.Status.PAID and LedgerEntry.objects.count() == 1
    assert AuditEntry.objects.filter(event="payment.capture", actor=staff).exists()
    with pytest.raises(actions.PaymentRefused):  # captured once: nothing is held any more
        actions.capture_payment(actor=staff, payment=payment)


def test_staff_release_a_held_payment_and_the_invoice_stays_unpaid(world, api, yookassa):
    from kabinet.core.audit import AuditEntry
    from kabinet.payments import actions

    payment = _held_payment(world, api, world.client_for(Role.OWNER))
    canceled = documented_payment("canceled", metadata=api["metadata"])
    canceled["cancellation_details"] = {"party": "merchant", "reason": "canceled_by_merchant"}
    yookassa.expect_request(f"/v3/payments/{PAYMENT_ID}/cancel", method="POST").respond_with_json(canceled)
    released = actions.release_payment(actor=None, payment=payment)
    assert released.status == Payment.Status.CANCELED and released.provider_error == "canceled_by_merchant"
    request = yookassa.log[-1][0]
    assert (
        request.headers["Idempotence-Key"] == f"{payment.public_id}-cancel" and json.loads(request.data) == {}
    )
    world.invoice.refresh_from_db()
    assert world.invoice.status == Invoice.Status.UNPAID and not LedgerEntry.objects.exists()
    assert AuditEntry.objects.filter(event="payment.release").exists()


def test_a_hold_that_expired_is_recorded_cancelled(world, api, yookassa, django_capture_on_commit_callbacks):
    from kabinet.payments import actions

    payment = _held_payment(world, api, world.client_for(Role.OWNER))
    # YooKassa cancels the hold itself and says so; staff's late capture is refused with its documented error.
    api["status"] = "canceled"
    yookassa.expect_request(f"/v3/payments/{PAYMENT_ID}/capture", method="POST").respond_with_json(
        {
            "type": "error",
            "id": "ab56a6b5-c0a8-4d1f-8a3b-1d1c0b6e0a11",
            "code": "invalid_request",
            "description": "Payment is in canceled status",
        },
        status=400,
    )
    with pytest.raises(actions.PaymentRefused) as refused:
        actions.capture_payment(actor=None, payment=payment)
    with translation.override("en"):
        assert "hold has expired" in str(refused.value.message)
    payment.refresh_from_db()
    world.invoice.refresh_from_db()
    assert payment.status == Payment.Status.CANCELED and world.invoice.status == Invoice.Status.UNPAID


def test_the_expiry_notification_cancels_the_held_payment(world, api, django_capture_on_commit_callbacks):
    payment = _held_payment(world, api, world.client_for(Role.OWNER))
    api["status"] = "canceled"
    expired = documented_payment("canceled", metadata=api["metadata"])
    expired["cancellation_details"] = {"party": "yoo_money", "reason": "expired_on_capture"}
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(_source(), notification("payment.canceled", expired)).status_code == 202
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELED and not LedgerEntry.objects.exists()
