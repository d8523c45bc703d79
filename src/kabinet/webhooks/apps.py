from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "kabinet.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from kabinet.core import crypto
        from kabinet.webhooks import events
        from kabinet.webhooks.actions import rotate_stored_secrets

        events.connect()
        crypto.on_rotation("webhook secrets", rotate_stored_secrets)
