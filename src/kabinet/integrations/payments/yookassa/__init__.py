"""YooKassa (API v3, https://yookassa.ru/developers/api): redirect confirmation, one- and two-stage payments,
the 54-FZ receipt, refunds, and notifications that are re-fetched before anything is believed.

The documented calls (HTTP Basic auth: shop id and secret key):

- ``POST /v3/payments`` with header ``Idempotence-Key`` and body ``{amount{value "100.00", currency}, capture,
  confirmation{type "redirect", return_url}, description, metadata, receipt}`` → the payment object
  ``{id, status "pending", paid, amount, confirmation{type, confirmation_url}, metadata, …}``;
- ``GET /v3/payments/{id}`` → the payment object (``status`` pending | waiting_for_capture | succeeded |
  canceled, ``payment_method{type}``, ``refunded_amount``);
- ``POST /v3/payments/{id}/capture`` (``Idempotence-Key``, body ``{amount}``) and
  ``POST /v3/payments/{id}/cancel`` (``Idempotence-Key``, empty body) for two-stage payments; a hold nobody
  captured in time is cancelled by YooKassa itself (``cancellation_details.reason`` ``expired_on_capture``);
- ``POST /v3/refunds`` (``Idempotence-Key``, body ``{payment_id, amount}``) → ``{id, status, …}``.

Errors are ``{"type": "error", "id", "code", "description", "parameter"}`` with HTTP 400/401/403/404/429/500.
YooKassa asks to repeat a request that answered 500 (or nothing) with the same ``Idempotence-Key``: the key makes
that safe, so 429 and 5xx are retried here.

Notifications (``{"type": "notification", "event": "payment.succeeded", "object": {…}}``) are not signed: the
webhooks inbox accepts them only from YooKassa's published networks (:data:`NETWORKS`), and the object is then
re-fetched with ``GET /v3/payments/{id}`` and checked against what was asked.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kabinet.core.providers.payments import (
    PENDING,
    STATES,
    PaymentCreated,
    PaymentNotification,
    PaymentProvider,
    PaymentRequest,
    PaymentState,
    RefundResult,
)
from kabinet.integrations.base import ConfigField, HttpClient, RetryPolicy, shared_bucket

# The networks YooKassa sends notifications from (its documentation, "Notifications" → "IP addresses").
NETWORKS = (
    "185.71.76.0/27",
    "185.71.77.0/27",
    "77.75.153.0/25",
    "77.75.156.11/32",
    "77.75.156.35/32",
    "77.75.154.128/25",
    "2a02:5180::/32",
)
RETRY = RetryPolicy(attempts=3, statuses=frozenset({429, 500, 502, 503, 504}))
RATE_PER_SECOND, BURST = 5.0, 10.0


def money(value: Decimal) -> str:
    """YooKassa's amount: a string with two decimals ("100.00"), never a float."""
    return f"{value.quantize(Decimal('0.01'))}"


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal("0")


class YooKassaProvider(PaymentProvider):
    id = "yookassa"
    label = "YooKassa (ЮKassa)"
    config_schema = (
        ConfigField("shop_id", _("Shop ID (shopId)"), help_text=_("YooKassa → Integration → API keys.")),
        ConfigField("secret_key", _("Secret key"), secret=True),
        ConfigField(
            "tax_system_code",
            _("Tax system code"),
            required=False,
            help_text=_("1–6 as in 54-FZ; empty when the online cash register knows it."),
        ),
        ConfigField(
            "send_receipt",
            _("Send 54-FZ receipts"),
            required=False,
            default="1",
            help_text=_("1: every payment carries a receipt built from the invoice's items; 0: none."),
        ),
    )

    def __init__(
        self, config: Mapping[str, str] | None = None, *, sleep: Callable[[float], Any] = time.sleep
    ) -> None:
        super().__init__(config)
        self.sleep = sleep

    @property
    def account(self) -> str:
        return self.config["shop_id"]

    def client(self) -> HttpClient:
        return HttpClient(
            provider=self.id,
            account=self.account,
            base_url=settings.KABINET_YOOKASSA_URL,
            retry=RETRY,
            bucket=shared_bucket(self.id, self.account, rate=RATE_PER_SECOND, capacity=BURST),
            secrets=[self.config["secret_key"]],
            sleep=self.sleep,
        )

    def call(self, method: str, path: str, *, key: str = "", body: dict | None = None) -> tuple[dict, str]:
        """One API call: the answer's JSON object, or ``{}`` and an error text for staff."""
        token = base64.b64encode(f"{self.config['shop_id']}:{self.config['secret_key']}".encode()).decode()
        headers = {"Authorization": f"Basic {token}"}  # HTTP Basic: shop id and secret key
        if key:
            headers["Idempotence-Key"] = key
        try:
            with self.client() as http:
                response = http.request(
                    method,
                    path,
                    json=body,
                    headers=headers,
                )
        except httpx.HTTPError as error:
            return {}, f"no answer: {error}"
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return {}, f"HTTP {response.status_code}: not a JSON object"
        if response.status_code >= 400 or data.get("type") == "error":
            return {}, f"HTTP {response.status_code} {data.get('code', '')}: {data.get('description', '')}"[
                :300
            ]
        return data, ""

    def receipt(self, request: PaymentRequest) -> dict | None:
        if self.config["send_receipt"] in {"0", "false", "no"} or not request.receipt:
            return None
        customer = {"email": request.customer_email} if request.customer_email else {}
        if not customer and request.customer_phone:
            customer = {"phone": "".join(ch for ch in request.customer_phone if ch.isdigit())}
        receipt: dict[str, Any] = {
            "customer": customer,
            "items": [
                {
                    "description": line.description[:128],
                    "quantity": f"{line.quantity.normalize():f}",
                    "amount": {"value": money(line.unit_price), "currency": request.currency},
                    "vat_code": line.vat_code,
                    "payment_mode": line.payment_mode,
                    "payment_subject": line.payment_subject,
                }
                for line in request.receipt
            ],
        }
        if self.config["tax_system_code"]:
            receipt["tax_system_code"] = int(self.config["tax_system_code"])
        return receipt

    def create_payment(self, request: PaymentRequest) -> PaymentCreated:
        body: dict[str, Any] = {
            "amount": {"value": money(request.amount), "currency": request.currency},
            "capture": request.capture,
            "confirmation": {"type": "redirect", "return_url": request.return_url},
            "description": request.description[:128],
            "metadata": {"invoice": request.invoice, "payment": request.payment},
        }
        receipt = self.receipt(request)
        if receipt is not None:
            body["receipt"] = receipt
        data, error = self.call("POST", "/v3/payments", key=request.idempotency_key, body=body)
        url = (data.get("confirmation") or {}).get("confirmation_url", "")
        if error or not data.get("id") or not url:
            return PaymentCreated(provider=self.id, accepted=False, error=error or "no confirmation_url")
        status = data.get("status") if data.get("status") in STATES else PENDING
        return PaymentCreated(
            provider=self.id, accepted=True, payment_id=str(data["id"]), confirmation_url=url, status=status
        )

    def state(self, data: dict) -> PaymentState:
        amount = data.get("amount") or {}
        metadata = data.get("metadata") or {}
        return PaymentState(
            provider=self.id,
            payment_id=str(data.get("id", "")),
            status=data.get("status") if data.get("status") in STATES else PENDING,
            amount=_decimal(amount.get("value", "0")),
            currency=str(amount.get("currency", "")),
            metadata={str(k): str(v) for k, v in metadata.items()} if isinstance(metadata, dict) else {},
            method=str((data.get("payment_method") or {}).get("type", "")),
            paid=bool(data.get("paid")),
            refunded_amount=_decimal((data.get("refunded_amount") or {}).get("value", "0")),
            # Why a payment was cancelled (``expired_on_capture``, ``canceled_by_merchant``…), for staff.
            error=str((data.get("cancellation_details") or {}).get("reason", ""))[:300],
        )

    def fetch_payment(self, payment_id: str) -> PaymentState:
        data, error = self.call("GET", f"/v3/payments/{payment_id}")
        if error:
            return PaymentState(provider=self.id, payment_id=payment_id, found=False, error=error)
        return self.state(data)

    def capture(
        self, payment_id: str, *, amount: Decimal, currency: str, idempotency_key: str
    ) -> PaymentState:
        data, error = self.call(
            "POST",
            f"/v3/payments/{payment_id}/capture",
            key=idempotency_key,
            body={"amount": {"value": money(amount), "currency": currency}},
        )
        if error:
            return PaymentState(provider=self.id, payment_id=payment_id, found=False, error=error)
        return self.state(data)

    def cancel(self, payment_id: str, *, idempotency_key: str) -> PaymentState:
        data, error = self.call("POST", f"/v3/payments/{payment_id}/cancel", key=idempotency_key, body={})
        if error:
            return PaymentState(provider=self.id, payment_id=payment_id, found=False, error=error)
        return self.state(data)

    def refund(
        self, payment_id: str, *, amount: Decimal, currency: str, idempotency_key: str
    ) -> RefundResult:
        data, error = self.call(
            "POST",
            "/v3/refunds",
            key=idempotency_key,
            body={"payment_id": payment_id, "amount": {"value": money(amount), "currency": currency}},
        )
        if error or data.get("status") == "canceled":
            return RefundResult(provider=self.id, accepted=False, error=error or "refund canceled")
        return RefundResult(
            provider=self.id,
            accepted=True,
            refund_id=str(data.get("id", "")),
            status=str(data.get("status", "")),
        )

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> PaymentNotification | None:
        try:
            data = json.loads(body)
        except ValueError:
            return None
        if not isinstance(data, dict) or data.get("type") != "notification":
            return None
        event = str(data.get("event", ""))
        obj = data.get("object") or {}
        # A refund's object is the refund: the payment it belongs to is what Kabinet re-fetches.
        payment_id = obj.get("payment_id") if event.startswith("refund.") else obj.get("id")
        if not payment_id:
            return None
        return PaymentNotification(provider=self.id, payment_id=str(payment_id), event=event)
