"""The SMS contract and its facade: what ``accounts`` (sign-in codes) and ``notifications`` (the SMS
channel) call.

``send_sms(SmsMessage(...))`` hands the message to the active SMS provider once the surrounding transaction
commits; ``deliver`` sends at once. The active provider is pinned by ``KABINET_SMS_PROVIDER`` or chosen by
staff in the back office (see :mod:`kabinet.core.providers`); nothing chosen means ``file``, the demo's
outbox. Providers live under ``kabinet/integrations/sms/<provider>/``: ``file`` and ``memory`` (offline) and
``smsru`` (SMS.ru's HTTP API).
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kabinet.core.providers import Provider, ProviderError, ProviderKind

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsMessage:
    """One text to one phone number (E.164). ``purpose`` is a stable code such as ``verification_code``."""

    to: str
    text: str
    purpose: str = ""
    sender: str = ""
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SmsResult:
    """What the provider answered: accepted or not, its message id, and an error text if it refused.

    ``retry`` marks a temporary refusal (the gateway is down, a rate limit): a job may try again later.
    """

    provider: str
    accepted: bool
    message_id: str = ""
    error: str = ""
    retry: bool = False


class SmsProvider(Provider):
    """A way to deliver texts. ``send`` never raises for a refused message: it returns ``accepted=False``."""

    kind = "sms"

    @abstractmethod
    def send(self, message: SmsMessage) -> SmsResult: ...


registry: ProviderKind[SmsProvider] = ProviderKind(
    "sms", label=_("SMS"), contract=SmsProvider, default="file", pin_setting="KABINET_SMS_PROVIDER"
)


def masked(phone: str) -> str:
    """A phone number fit for a log line."""
    return phone[:-4] + "****"


def get_provider(provider_id: str | None = None) -> SmsProvider:
    """The active provider (or the one named, with its stored settings). Unknown ids raise ``LookupError``."""
    return registry.build(provider_id) if provider_id else registry.active()


def deliver(message: SmsMessage) -> SmsResult:
    """Send ``message`` now through the active provider; a refusal is logged and returned, never raised.

    An unknown provider id is a deployment error and raises ``LookupError``.
    """
    if not message.sender:
        message = replace(message, sender=settings.KABINET_SMS_SENDER)
    try:
        provider = registry.active()
    except ProviderError as error:  # chosen but its settings are incomplete: staff must fix them
        result = SmsResult(provider="", accepted=False, error=str(error))
    else:
        result = provider.send(message)
    if not result.accepted:
        logger.warning("SMS to %s refused by %s: %s", masked(message.to), result.provider, result.error)
    return result


def send_sms(message: SmsMessage) -> None:
    """Send ``message`` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: deliver(message))
