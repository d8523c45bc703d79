"""An email backend that fails the first ``failures`` sends with an SMTP-like error (tests only)."""

from django.core.mail.backends.base import BaseEmailBackend

failures = 0
sent: list[str] = []


class Backend(BaseEmailBackend):
    def send_messages(self, messages):
        global failures
        if failures:
            failures -= 1
            raise ConnectionRefusedError("SMTP server is down")
        for message in messages:
            sent.extend(message.to)
        return len(messages)
