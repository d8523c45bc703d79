"""The texts the offline ``memory`` SMS provider "sent", for tests of any app."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kabinet.core.providers.sms import SmsMessage
from kabinet.integrations.sms.memory import outbox


@contextmanager
def memory_sms_outbox() -> Iterator[list[SmsMessage]]:
    """The memory provider's list, empty on entry and emptied again on exit. Pin the provider yourself
    (``settings.KABINET_SMS_PROVIDER = "memory"``) or use the ``sms_outbox`` fixture, which does both."""
    outbox.clear()
    try:
        yield outbox
    finally:
        outbox.clear()
