"""The ``file`` SMS provider (offline, the default): one text file per message, the demo's outbox."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.core.providers.sms import SmsMessage, SmsProvider, SmsResult


class FileSmsProvider(SmsProvider):
    """Writes each message as a small text file into ``KABINET_SMS_FILE_PATH`` (``<data dir>/outbox-sms``)."""

    id = "file"
    label = _("Files in the data folder (offline)")
    offline = True

    def __init__(self, config: dict[str, str] | None = None, *, folder: Path | None = None) -> None:
        super().__init__(config)
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
