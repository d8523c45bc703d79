"""Stripe (https://docs.stripe.com/api): Checkout Sessions, signed webhooks, refunds.

The documented calls (``Authorization: Bearer <secret key>``, form-encoded bodies, ``Idempotency-Key``):

- ``POST /v1/checkout/sessions`` with ``mode=payment``, ``success_url``, ``cancel_url``,
  ``line_items[0][price_data][currency|unit_amount|product_data][name]]``, ``line_items[0][quantity]``,
  ``metadata[...]``, ``client_reference_id``, ``customer_email`` → ``{id "cs_…", object "checkout.session", url,
  status "open", payment_status "unpaid", amount_total, currency, metadata, payment_intent}``;
- ``GET /v1/checkout/sessions/{id}`` → the session (``status`` open | complete | expired, ``payment_status``
  paid | unpaid | no_payment_required);
- ``POST /v1/refunds`` with ``payment_intent`` and ``amount`` → ``{id "re_…", status}``;
- two-stage (``payment_intent_data[capture_method]=manual``): the completed session's PaymentIntent waits in
  ``requires_capture`` (read with ``expand[]=payment_intent``); ``POST /v1/payment_intents/{id}/capture``
  (``amount_to_capture``) takes the money, ``POST /v1/payment_intents/{id}/cancel`` releases it, and Stripe
  cancels a hold nobody captured in 7 days itself (``cancellation_reason`` ``automatic``).

Amounts are integers in the currency's minor unit (kopecks, cents), except for Stripe's zero-decimal
currencies. Errors: ``{"error": {"type", "code", "message"}}`` with HTTP 400/401/402/404/429/5xx; 429 and 5xx are
retried with the same ``Idempotency-Key`` (Stripe keeps keys at least 24 h).

- ``GET /v1/checkout/sessions?payment_intent=pi_…&limit=1`` → ``{object "list", data [session]}``: the session
  of a PaymentIntent (a ``payment_intent.*`` event names the PaymentIntent, not the session).

Webhooks carry ``Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256(endpoint secret, "{t}.{raw body}")>``
(several ``v1`` during a secret roll); events older than 300 s are refused; events are deduplicated by their
``id``; a session is re-fetched before anything is fulfilled. Besides the Checkout events, Kabinet takes
``payment_intent.canceled`` (``data.object`` a PaymentIntent: ``{id "pi_…", object "payment_intent", status
"canceled", cancellation_reason automatic | abandoned | requested_by_customer | …, amount, currency,
metadata}``), sent when a hold expires unclaimed (7 days) or is cancelled in the Dashboard: the notice names the
PaymentIntent, and ``fetch_payment`` finds its session and reads it like any other.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import httpx
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kabinet.core.providers.payments import (
    CANCELED,
    PENDING,
    SUCCEEDED,
    WAITING_FOR_CAPTURE,
    PaymentCreated,
    PaymentNotification,
    PaymentProvider,
    PaymentRequest,
    PaymentState,
    RefundResult,
)
from kabinet.integrations.base import ConfigField, HttpClient, RetryPolicy, shared_bucket

TOLERANCE_SECONDS = 300
RETRY = RetryPolicy(attempts=3, statuses=frozenset({429, 500, 502, 503, 504}))
ZERO_DECIMAL = frozenset(
    [
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    ]
)  # Stripe's list of currencies without a minor unit
SESSION_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
    }
)
INTENT_EVENTS = frozenset({"payment_intent.canceled"})


def minor_units(amount: Decimal, currency: str) -> int:
    factor = 1 if currency.lower() in ZERO_DECIMAL else 100
    return int((amount * factor).to_integral_value())


def from_minor_units(value: Any, currency: str) -> Decimal:
    factor = Decimal(1) if currency.lower() in ZERO_DECIMAL else Decimal(100)
    try:
        return (Decimal(int(value)) / factor).quantize(Decimal("0.01"))
    except (TypeError, ValueError):
        return Decimal("0")


def signature_ok(body: bytes, header: str, secret: str, *, now: float) -> bool:
    """Stripe's scheme: any ``v1`` equal to HMAC-SHA256(secret, "{t}.{body}") and ``t`` within 300 s."""
    parts = [item.split("=", 1) for item in header.split(",") if "=" in item]
    stamps = [value for key, value in parts if key.strip() == "t"]
    signatures = [value for key, value in parts if key.strip() == "v1"]
    if not secret or len(stamps) != 1 or not signatures:
        return False
    try:
        stamp = int(stamps[0])
    except ValueError:
        return False
    if abs(now - stamp) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, given.strip()) for given in signatures)


class StripeProvider(PaymentProvider):
    id = "stripe"
    label = "Stripe"
    config_schema = (
        ConfigField("secret_key", _("Secret key (sk_…)"), secret=True),
        ConfigField(
            "account_name",
            _("Account name"),
            required=False,
            help_text=_("Only to tell several Stripe accounts apart in the logs."),
        ),
    )

    def __init__(
        self, config: Mapping[str, str] | None = None, *, sleep: Callable[[float], Any] = time.sleep
    ) -> None:
        super().__init__(config)
        self.sleep = sleep

    @property
    def account(self) -> str:
        return (
            self.config["account_name"] or hashlib.sha256(self.config["secret_key"].encode()).hexdigest()[:12]
        )

    def call(self, method: str, path: str, *, key: str = "", form: dict | None = None) -> tuple[dict, str]:
        headers = {"Authorization": f"Bearer {self.config['secret_key']}"}
        if key:
            headers["Idempotency-Key"] = key[:255]
        try:
            with HttpClient(
                provider=self.id,
                account=self.account,
                base_url=settings.KABINET_STRIPE_URL,
                retry=RETRY,
                bucket=shared_bucket(self.id, self.account, rate=25.0, capacity=25.0),
                secrets=[self.config["secret_key"]],
                sleep=self.sleep,
            ) as http:
                response = http.request(method, path, data=form, headers=headers)
        except httpx.HTTPError as error:
            return {}, f"no answer: {error}"
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return {}, f"HTTP {response.status_code}: not a JSON object"
        if response.status_code >= 400 or "error" in data:
            error = data.get("error") or {}
            return {}, f"HTTP {response.status_code} {error.get('code', '')}: {error.get('message', '')}"[
                :300
            ]
        return data, ""

    def create_payment(self, request: PaymentRequest) -> PaymentCreated:
        form = {
            "mode": "payment",
            "success_url": request.return_url,
            "cancel_url": request.return_url,
            "client_reference_id": request.invoice,
            "line_items[0][quantity]": "1",
            "line_items[0][price_data][currency]": request.currency.lower(),
            "line_items[0][price_data][unit_amount]": str(minor_units(request.amount, request.currency)),
            "line_items[0][price_data][product_data][name]": request.description[:250],
            "metadata[invoice]": request.invoice,
            "metadata[payment]": request.payment,
        }
        if request.customer_email:
            form["customer_email"] = request.customer_email
        if not request.capture:
            form["payment_intent_data[capture_method]"] = "manual"
        data, error = self.call("POST", "/v1/checkout/sessions", key=request.idempotency_key, form=form)
        if error or not data.get("id") or not data.get("url"):
            return PaymentCreated(provider=self.id, accepted=False, error=error or "no session url")
        return PaymentCreated(
            provider=self.id, accepted=True, payment_id=data["id"], confirmation_url=data["url"]
        )

    def _session_of_intent(self, intent_id: str) -> tuple[str | None, str]:
        """The id of the Checkout Session whose PaymentIntent is ``intent_id``: None with the error when Stripe
        cannot be asked, "" when no session has it (a PaymentIntent Kabinet did not make)."""
        listing, error = self.call("GET", f"/v1/checkout/sessions?payment_intent={intent_id}&limit=1")
        if error:
            return None, error
        sessions = listing.get("data") if isinstance(listing.get("data"), list) else []
        first = sessions[0] if sessions and isinstance(sessions[0], dict) else {}
        return str(first.get("id") or ""), ""

    def fetch_payment(self, payment_id: str) -> PaymentState:
        """The Checkout Session ``payment_id`` (or the session of the PaymentIntent ``pi_…`` a
        ``payment_intent.*`` event names), read with its PaymentIntent."""
        if payment_id.startswith("pi_"):
            session_id, error = self._session_of_intent(payment_id)
            if session_id is None:
                return PaymentState(provider=self.id, payment_id=payment_id, found=False, error=error)
            if not session_id:  # not one of Kabinet's: recorded as nothing (no payment has this id)
                return PaymentState(provider=self.id, payment_id=payment_id, status=CANCELED)
            payment_id = session_id
        data, error = self.call("GET", f"/v1/checkout/sessions/{payment_id}?expand[]=payment_intent")
        if error:
            return PaymentState(provider=self.id, payment_id=payment_id, found=False, error=error)
        currency = str(data.get("currency") or "").upper()
        status = PENDING
        intent = data.get("payment_intent") if isinstance(data.get("payment_intent"), dict) else {}
        reason = ""
        if data.get("status") == "complete" and data.get("payment_status") == "paid":
            status = SUCCEEDED
        elif data.get("status") == "expired":
            status = CANCELED
        elif intent.get("status") == "canceled":
            # A PaymentIntent once cancelled never takes money, whatever the session still says.
            status = CANCELED
            reason = str(intent.get("cancellation_reason") or "")
        elif data.get("status") == "complete" and intent:
            # A two-stage payment: the session is complete while its PaymentIntent holds (or held) the money.
            status = {
                "requires_capture": WAITING_FOR_CAPTURE,
                "succeeded": SUCCEEDED,
                "canceled": CANCELED,
            }.get(str(intent.get("status")), PENDING)
            reason = str(intent.get("cancellation_reason") or "")
        metadata = data.get("metadata") or {}
        return PaymentState(
            provider=self.id,
            payment_id=payment_id,
            status=status,
            amount=from_minor_units(data.get("amount_total"), currency),
            currency=currency,
            metadata={str(k): str(v) for k, v in metadata.items()} if isinstance(metadata, dict) else {},
            method="card" if status == SUCCEEDED else "",
            paid=status == SUCCEEDED,
            error=reason[:300],
        )

    def _intent_of(self, payment_id: str) -> tuple[str, str]:
        session, error = self.call("GET", f"/v1/checkout/sessions/{payment_id}")
        intent = session.get("payment_intent")
        if isinstance(intent, dict):
            intent = intent.get("id")
        return (str(intent), "") if intent and not error else ("", error or "no payment_intent")

    def _on_intent(self, payment_id: str, action: str, *, key: str, form: dict) -> PaymentState:
        """``POST /v1/payment_intents/{id}/<action>`` on the session's PaymentIntent, then the session re-read."""
        intent, error = self._intent_of(payment_id)
        if not error:
            _, error = self.call("POST", f"/v1/payment_intents/{intent}/{action}", key=key, form=form)
        if error:
            return PaymentState(provider=self.id, payment_id=payment_id, found=False, error=error)
        return self.fetch_payment(payment_id)  # the session, as every other path reads it

    def capture(
        self, payment_id: str, *, amount: Decimal, currency: str, idempotency_key: str
    ) -> PaymentState:
        form = {"amount_to_capture": str(minor_units(amount, currency))}
        return self._on_intent(payment_id, "capture", key=idempotency_key, form=form)

    def cancel(self, payment_id: str, *, idempotency_key: str) -> PaymentState:
        return self._on_intent(payment_id, "cancel", key=idempotency_key, form={})

    def refund(
        self, payment_id: str, *, amount: Decimal, currency: str, idempotency_key: str
    ) -> RefundResult:
        intent, error = self._intent_of(payment_id)
        if error:
            return RefundResult(provider=self.id, accepted=False, error=error)
        data, error = self.call(
            "POST",
            "/v1/refunds",
            key=idempotency_key,
            form={"payment_intent": str(intent), "amount": str(minor_units(amount, currency))},
        )
        if error or data.get("status") in ("failed", "canceled"):
            return RefundResult(
                provider=self.id, accepted=False, error=error or f"refund {data.get('status')}"
            )
        return RefundResult(
            provider=self.id,
            accepted=True,
            refund_id=str(data.get("id", "")),
            status=str(data.get("status", "")),
        )

    def verify_notification(
        self, body: bytes, headers: Mapping[str, str], *, secret: str, now: float
    ) -> bool:
        return signature_ok(body, headers.get("Stripe-Signature", ""), secret, now=now)

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> PaymentNotification | None:
        try:
            event = json.loads(body)
        except ValueError:
            return None
        if (
            not isinstance(event, dict)
            or event.get("object") != "event"
            or event.get("type") not in SESSION_EVENTS | INTENT_EVENTS
        ):
            return None
        data = event.get("data") if isinstance(event.get("data"), dict) else {}
        obj = data.get("object") if isinstance(data.get("object"), dict) else {}
        expected = "payment_intent" if event["type"] in INTENT_EVENTS else "checkout.session"
        if not obj.get("id") or obj.get("object", expected) != expected:
            return None
        # A PaymentIntent's id (pi_…) is resolved to its session by ``fetch_payment``, which re-reads it.
        return PaymentNotification(provider=self.id, payment_id=str(obj["id"]), event=str(event["type"]))
