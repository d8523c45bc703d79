"""Offline SMS providers: nothing leaves the machine. ``file`` for the demo, ``memory`` for tests."""

from __future__ import annotations

import secrets
import threading
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from kabinet.integrations.sms import SmsMessage, SmsResult

_lock = threading.Lock()
outbox: list[SmsMessage] = []  # what MemorySmsProvider "sent", oldest first


class FileSmsProvider:
    """Writes each message as a small text file into ``KABINET_SMS_FILE_PATH`` (``<data dir>/outbox-sms``)."""

    id = "file"

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder or settings.KABINET_SMS_FILE_PATH)

    def send(self, message: SmsMessage) -> SmsResult:
        message_id = f"{timezone.now():%Y%m%d-%H%M%S}-{secrets.token_hex(4)}"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"{message_id}.txt"
            path.write_text(
                f"To: {message.to}\nFrom: {message.sender}\nPurpose: {message.purpose}\n\n{message.text}\n",
                encoding="utf-8",
            )
        except OSError as error:
            return SmsResult(provider=self.id, accepted=False, error=str(error))
        return SmsResult(provider=self.id, accepted=True, message_id=message_id)


class MemorySmsProvider:
    """Appends each message to ``kabinet.integrations.sms.offline.outbox`` (tests read it there)."""

    id = "memory"

    def send(self, message: SmsMessage) -> SmsResult:
        with _lock:
            outbox.append(message)
            number = len(outbox)
        return SmsResult(provider=self.id, accepted=True, message_id=f"memory-{number}")
