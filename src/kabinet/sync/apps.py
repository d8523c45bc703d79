from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SyncConfig(AppConfig):
    name = "kabinet.sync"
    label = "sync"
    verbose_name = _("CRM sync")

    def ready(self) -> None:
        from kabinet.sync import bookings, enrolment, events, webhooks

        events.connect()
        bookings.connect()  # bookings at a branch synced from a booking system → the outbox
        webhooks.register()
        enrolment.register()  # sign-in by the phone on the deal, where a connection allows it
        from kabinet.core import crypto
        from kabinet.sync.actions import rotate_connection_credentials

        crypto.on_rotation("CRM connections", rotate_connection_credentials)
