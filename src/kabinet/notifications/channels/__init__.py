"""The outside-channel contract: how a notice leaves Kabinet (email, browser push, Telegram, SMS).

A channel is an object with an ``id``, a ``label``, ``reachable(recipient)`` and ``send(message)``; it takes
an :class:`OutgoingMessage` and answers a :class:`DeliveryResult`. Channels live in a registry keyed by id,
so a real Telegram provider replaces the offline console backend by registering under the same id. SMS goes
through the SMS provider facade (``channels/sms.py``), so the gateway staff chose carries notices and sign-in
codes alike. Vendor SDKs are imported only inside the channel modules, never by the domain.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

from django.utils.functional import Promise


@dataclass(frozen=True)
class Recipient:
    """Who a notice goes to, with the addresses each channel may need."""

    contact_id: int
    name: str
    language: str
    email: str = ""
    phone: str = ""
    user_id: int | None = None


@dataclass(frozen=True)
class OutgoingMessage:
    """One notice (or one batch of grouped notices) rendered for one recipient."""

    event: str
    recipient: Recipient
    subject: str
    text: str
    url: str  # absolute
    html: str = ""
    tag: str = ""  # lets a channel replace an earlier message about the same subject (web push)
    idempotency_key: str = ""
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    provider_ref: str = ""
    error: str = ""
    retry: bool = False  # a temporary failure: the job tries again later


class Channel(ABC):
    """Base of every outside channel."""

    id: ClassVar[str]
    label: ClassVar[str | Promise]
    # Registered but not connected to a real provider yet: messages do not leave the server (log, files).
    offline: ClassVar[bool] = False

    def reachable(self, recipient: Recipient) -> bool:
        """Whether this channel has an address for the recipient at all."""
        return True

    @abstractmethod
    def send(self, message: OutgoingMessage) -> DeliveryResult: ...


_CHANNELS: dict[str, Channel] = {}
CHANNEL_ORDER = ("email", "webpush", "telegram", "sms")


def register_channel(channel: Channel) -> None:
    _CHANNELS[channel.id] = channel


def get_channel(channel_id: str) -> Channel | None:
    return _CHANNELS.get(channel_id)


def channels() -> list[Channel]:
    known = [_CHANNELS[c] for c in CHANNEL_ORDER if c in _CHANNELS]
    return known + [c for cid, c in sorted(_CHANNELS.items()) if cid not in CHANNEL_ORDER]


def register_builtin_channels() -> None:
    from kabinet.notifications.channels.console import TelegramConsoleChannel
    from kabinet.notifications.channels.email import EmailChannel
    from kabinet.notifications.channels.sms import SmsChannel
    from kabinet.notifications.channels.webpush import WebPushChannel

    for channel in (EmailChannel(), WebPushChannel(), TelegramConsoleChannel(), SmsChannel()):
        _CHANNELS.setdefault(channel.id, channel)
