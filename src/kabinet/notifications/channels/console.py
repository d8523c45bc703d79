"""Offline backend for the channel whose real provider arrives later (the Telegram bot).

They are registered under the real ids, so preferences, batching and the delivery log work end to end; the
message is written to the server log instead of leaving the machine.
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext_lazy as _

from kabinet.notifications.channels import Channel, DeliveryResult, OutgoingMessage

logger = logging.getLogger("kabinet.notifications.console")


class ConsoleChannel(Channel):
    offline = True

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        logger.info(
            "[%s] to contact %s: %s %s", self.id, message.recipient.contact_id, message.text, message.url
        )
        return DeliveryResult(ok=True, provider_ref=f"console:{self.id}")


class TelegramConsoleChannel(ConsoleChannel):
    id = "telegram"
    label = _("Telegram")
