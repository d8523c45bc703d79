"""SMS through the same facade as the sign-in codes (:mod:`kabinet.core.providers.sms`).

Which gateway carries the text is the SMS kind's active provider (pinned by ``KABINET_SMS_PROVIDER`` or
chosen by staff in the back office); this channel only renders the notice into one short text.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kabinet.core.providers import ProviderError
from kabinet.core.providers.sms import SmsMessage, deliver, registry
from kabinet.notifications.channels import Channel, DeliveryResult, OutgoingMessage, Recipient


class SmsChannel(Channel):
    id = "sms"
    label = _("SMS")

    @property
    def offline(self) -> bool:  # type: ignore[override]
        """True while the texts stay on this machine (no real gateway pinned); costs no query when pinned."""
        pinned = registry.pinned()
        if pinned:
            return registry.get(pinned).offline
        try:
            return registry.active().offline
        except ProviderError:  # a real gateway is chosen, its settings need fixing: deliveries say why
            return False

    def reachable(self, recipient: Recipient) -> bool:
        return bool(recipient.phone)

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        text = f"{message.text} {message.url}".strip()
        result = deliver(
            SmsMessage(
                to=message.recipient.phone,
                text=text,
                purpose=f"notice:{message.event}",
                metadata={"idempotency_key": message.idempotency_key} if message.idempotency_key else {},
            )
        )
        if result.accepted:
            return DeliveryResult(ok=True, provider_ref=f"{result.provider}:{result.message_id}")
        return DeliveryResult(ok=False, error=result.error or "refused", retry=result.retry)
