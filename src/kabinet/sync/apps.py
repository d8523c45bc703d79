from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SyncConfig(AppConfig):
    name = "kabinet.sync"
    label = "sync"
    verbose_name = _("CRM sync")

    def ready(self) -> None:
        from kabinet.sync import events, webhooks

        events.connect()
        webhooks.register()
        from kabinet.core import crypto
        from kabinet.sync.actions import rotate_connection_credentials

        crypto.on_rotation("CRM connections", rotate_connection_credentials)
