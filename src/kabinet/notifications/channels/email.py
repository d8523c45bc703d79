"""Email through Django's configured email backend (SMTP in production, files in the demo)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.translation import gettext_lazy as _

from kabinet.core.branding import from_email
from kabinet.notifications.channels import Channel, DeliveryResult, OutgoingMessage, Recipient


def message_id(key: str) -> dict[str, str]:
    """A Message-ID made of the delivery's idempotency key: a batch sent again after a crash (the worker died
    before it could record the server's OK) carries the same id, which mail systems use to drop duplicates."""
    if not key:
        return {}
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "kabinet.local"
    return {"Message-ID": f"<{key.replace(':', '.')}@{domain}>"}


class EmailChannel(Channel):
    id = "email"
    label = _("Email")

    def reachable(self, recipient: Recipient) -> bool:
        return bool(recipient.email)

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        mail = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text,
            from_email=from_email(),
            to=[message.recipient.email],
            headers={
                "X-Kabinet-Event": message.event,
                "X-Kabinet-Id": message.idempotency_key,
                **message_id(message.idempotency_key),
            },
        )
        if message.html:
            mail.attach_alternative(message.html, "text/html")
        try:
            mail.send()
        except OSError as exc:  # SMTP errors are OSErrors: the server may be back in a minute
            return DeliveryResult(ok=False, error=str(exc), retry=True)
        return DeliveryResult(ok=True, provider_ref=message.recipient.email)
