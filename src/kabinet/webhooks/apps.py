from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "kabinet.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from kabinet.bookings.events import WEBHOOKS as BOOKING_WEBHOOKS
        from kabinet.core import crypto
        from kabinet.webhooks import events
        from kabinet.webhooks.actions import rotate_stored_secrets

        for timeline_event, webhook_event in BOOKING_WEBHOOKS.items():
            events.register(timeline_event, webhook_event)
        events.connect()
        crypto.on_rotation("webhook secrets", rotate_stored_secrets)
