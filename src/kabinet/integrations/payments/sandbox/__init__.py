"""The ``sandbox`` payment provider (offline): the demo's and the tests' stand-in for a payment service.

Its "payment page" is a Kabinet page (``/pay/sandbox/<id>/``) with three buttons: pay, decline, or go back
(abandon). What the payer chose is kept as the sandbox's own record in the cache, as a real provider keeps it
on its side; Kabinet then re-fetches it through the contract exactly as it does for YooKassa or Stripe, so the
demo walks the real path (create → confirmation page → notification → re-fetch → action).
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kabinet.core.providers.payments import (
    CANCELED,
    PENDING,
    SUCCEEDED,
    WAITING_FOR_CAPTURE,
    PaymentCreated,
    PaymentProvider,
    PaymentRequest,
    PaymentState,
    RefundResult,
)

KEEP_SECONDS = 30 * 24 * 3600


def _key(payment_id: str) -> str:
    return f"kabinet:payments:sandbox:{payment_id}"


def _idempotency_key(key: str) -> str:
    return f"kabinet:payments:sandbox:idem:{key}"


class SandboxPaymentProvider(PaymentProvider):
    id = "sandbox"
    label = _("Sandbox (offline, for the demo and tests)")
    offline = True

    def create_payment(self, request: PaymentRequest) -> PaymentCreated:
        # The same idempotency key answers the same payment, as the real services do.
        payment_id = cache.get(_idempotency_key(request.idempotency_key))
        if payment_id is None:
            payment_id = "sbx_" + secrets.token_urlsafe(12)
            record = {
                "status": PENDING,
                "amount": str(request.amount),
                "currency": request.currency,
                "metadata": {"invoice": request.invoice, "payment": request.payment},
                "return_url": request.return_url,
                "refunded": "0",
                "capture": request.capture,  # False: "pay" only holds the money until captured
            }
            cache.set(_key(payment_id), record, KEEP_SECONDS)
            cache.set(_idempotency_key(request.idempotency_key), payment_id, KEEP_SECONDS)
        return PaymentCreated(
            provider=self.id,
            accepted=True,
            payment_id=payment_id,
            confirmation_url=reverse("payments:sandbox", args=[payment_id]),
        )

    def fetch_payment(self, payment_id: str) -> PaymentState:
        record = cache.get(_key(payment_id))
        if record is None:
            return PaymentState(provider=self.id, payment_id=payment_id, found=False, error="not found")
        return PaymentState(
            provider=self.id,
            payment_id=payment_id,
            status=record["status"],
            amount=Decimal(record["amount"]),
            currency=record["currency"],
            metadata=record["metadata"],
            method="bank_card" if record["status"] == SUCCEEDED else "",
            paid=record["status"] == SUCCEEDED,
            refunded_amount=Decimal(record["refunded"]),
        )

    def settle(self, payment_id: str, outcome: str) -> bool:
        record = cache.get(_key(payment_id))
        if record is None or outcome not in (SUCCEEDED, CANCELED):
            return False
        if record["status"] == PENDING:  # a settled payment stays as it is, as at a real provider
            held = outcome == SUCCEEDED and not record.get("capture", True)
            record["status"] = WAITING_FOR_CAPTURE if held else outcome
            cache.set(_key(payment_id), record, KEEP_SECONDS)
        return True

    def _release(self, payment_id: str, outcome: str) -> PaymentState:
        record = cache.get(_key(payment_id))
        if record is None or record["status"] != WAITING_FOR_CAPTURE:
            return PaymentState(
                provider=self.id,
                payment_id=payment_id,
                found=False,
                error="payment is not waiting for capture",
            )
        record["status"] = outcome
        cache.set(_key(payment_id), record, KEEP_SECONDS)
        return self.fetch_payment(payment_id)

    def capture(
        self, payment_id: str, *, amount: Decimal, currency: str, idempotency_key: str
    ) -> PaymentState:
        return self._release(payment_id, SUCCEEDED)

    def cancel(self, payment_id: str, *, idempotency_key: str) -> PaymentState:
        return self._release(payment_id, CANCELED)

    def expire_hold(self, payment_id: str) -> bool:
        """The sandbox's stand-in for a hold nobody captured in time: the provider cancels it itself."""
        return self._release(payment_id, CANCELED).found

    def refund(
        self, payment_id: str, *, amount: Decimal, currency: str, idempotency_key: str
    ) -> RefundResult:
        record = cache.get(_key(payment_id))
        if record is None or record["status"] != SUCCEEDED:
            return RefundResult(provider=self.id, accepted=False, error="payment is not succeeded")
        refunded = Decimal(record["refunded"]) + amount
        if currency != record["currency"] or refunded > Decimal(record["amount"]):
            return RefundResult(provider=self.id, accepted=False, error="refund exceeds the payment")
        record["refunded"] = str(refunded)
        cache.set(_key(payment_id), record, KEEP_SECONDS)
        return RefundResult(
            provider=self.id, accepted=True, refund_id="sbx_rf_" + secrets.token_urlsafe(8), status=SUCCEEDED
        )
