"""The SMS contract, the provider registry and the facade the domain calls.

``send_sms(SmsMessage(...))`` hands the message to the provider named by ``KABINET_SMS_PROVIDER`` once the
surrounding transaction commits. Offline providers: ``file`` (the default: one text file per message in
``KABINET_SMS_FILE_PATH``, the demo's outbox) and ``memory`` (a list, for tests). Real gateways register
themselves with :func:`register_provider` under their own id and implement :class:`SmsProvider`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsMessage:
    """One text to one phone number (E.164). ``purpose`` is a stable code such as ``login_code``."""

    to: str
    text: str
    purpose: str = ""
    sender: str = ""
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SmsResult:
    """What the provider answered: accepted or not, its message id, and an error text if it refused."""

    provider: str
    accepted: bool
    message_id: str = ""
    error: str = ""


class SmsProvider(Protocol):
    """A way to deliver texts. ``send`` never raises for a refused message: it returns ``accepted=False``."""

    id: str

    def send(self, message: SmsMessage) -> SmsResult: ...


_FACTORIES: dict[str, Callable[[], SmsProvider]] = {}
_BUILTIN = {
    "file": "kabinet.integrations.sms.offline.FileSmsProvider",
    "memory": "kabinet.integrations.sms.offline.MemorySmsProvider",
}


def register_provider(provider_id: str, factory: Callable[[], SmsProvider]) -> None:
    """Make a provider available under ``provider_id`` (what ``KABINET_SMS_PROVIDER`` names)."""
    _FACTORIES[provider_id] = factory


def get_provider(provider_id: str | None = None) -> SmsProvider:
    """The configured provider (or the one named). Unknown ids are a configuration error."""
    wanted = provider_id or settings.KABINET_SMS_PROVIDER
    if wanted in _FACTORIES:
        return _FACTORIES[wanted]()
    if wanted in _BUILTIN:
        return import_string(_BUILTIN[wanted])()
    raise LookupError(f"unknown SMS provider {wanted!r} (KABINET_SMS_PROVIDER)")


def deliver(message: SmsMessage) -> SmsResult:
    """Send now through the configured provider and log a refusal (used by jobs and :func:`send_sms`)."""
    if not message.sender:
        message = SmsMessage(
            to=message.to,
            text=message.text,
            purpose=message.purpose,
            sender=settings.KABINET_SMS_SENDER,
            metadata=message.metadata,
        )
    result = get_provider().send(message)
    if not result.accepted:
        logger.warning("SMS to %s refused by %s: %s", message.to[:-4] + "****", result.provider, result.error)
    return result


def send_sms(message: SmsMessage) -> None:
    """Send ``message`` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: deliver(message))
