"""From a provider's "this payment changed" to the actions: re-fetch the payment, then record what is true.

Notifications reach here two ways: the offline sandbox calls the contract's ``payment_changed`` directly, and
real providers post to the webhooks inbox (verified, stored raw, deduplicated), whose job calls the handler
registered below. Either way the body of a notification only names a payment: its state is re-fetched from the
provider's API before anything is recorded.
"""

from __future__ import annotations

import time
from typing import Any

from kabinet.core.providers import payments as gateway
from kabinet.payments.actions import record_provider_state

# Providers whose notifications come through the webhooks inbox (InboxSource.provider = this id).
INBOX_PROVIDERS = ("yookassa", "stripe")
SIGNED_PROVIDERS = ("stripe",)  # verified by their own signature scheme before the inbox stores anything


def sync_payment(provider_id: str, payment_id: str) -> dict[str, Any]:
    """Re-fetch one payment from its provider and record its state; the result is what the inbox keeps."""
    state = gateway.fetch(provider_id, payment_id)
    if not state.found:
        # Raising makes the inbox retry later: the provider may be briefly unreachable.
        raise RuntimeError(f"{provider_id} cannot report payment {payment_id}: {state.error}")
    payment = record_provider_state(state=state)
    if payment is None:
        return {"payment": None, "status": "unknown"}
    return {"payment": payment.public_id, "status": payment.status}


def handle_inbox_event(event: Any) -> dict[str, Any]:
    """The inbox's handler for payment providers: read which payment the notification names, re-fetch it."""
    provider_id = event.source.provider
    notice = gateway.parse_notification(provider_id, bytes(event.body), dict(event.headers))
    if notice is None:
        return {"ignored": "not a payment notification"}
    return sync_payment(provider_id, notice.payment_id)


def verify_inbox_request(source: Any, headers: Any, body: bytes) -> bool:
    """The provider's signature over the raw body, with the endpoint secret staff stored on the source."""
    return gateway.verify_notification(source.provider, body, headers, secret=source.secret, now=time.time())


def register_inbox_handlers() -> None:
    from kabinet.webhooks.inbox import register_handler, register_verifier

    for provider_id in INBOX_PROVIDERS:
        register_handler(provider_id, handle_inbox_event)
    for provider_id in SIGNED_PROVIDERS:
        register_verifier(provider_id, verify_inbox_request)
