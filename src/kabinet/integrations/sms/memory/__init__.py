"""The ``memory`` SMS provider (offline): a list in this process, which tests read."""

from __future__ import annotations

import threading

from django.utils.translation import gettext_lazy as _

from kabinet.core.providers.sms import SmsMessage, SmsProvider, SmsResult

_lock = threading.Lock()
outbox: list[SmsMessage] = []  # what MemorySmsProvider "sent", oldest first


class MemorySmsProvider(SmsProvider):
    """Appends each message to :data:`outbox` (``kabinet.testing.sms_outbox`` hands it to tests)."""

    id = "memory"
    label = _("Memory of the process (tests)")
    offline = True

    def send(self, message: SmsMessage) -> SmsResult:
        with _lock:
            outbox.append(message)
            number = len(outbox)
        return SmsResult(provider=self.id, accepted=True, message_id=f"memory-{number}")
