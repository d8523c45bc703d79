from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "kabinet.bookings"
    label = "bookings"
    verbose_name = _("Bookings and events")

    def ready(self) -> None:
        from kabinet.bookings import events
        from kabinet.crm.timeline import register_app_events

        register_app_events(events)
        from kabinet.bookings import portal

        portal.register()
        from kabinet.bookings import personal_data

        personal_data.register()
        from kabinet.bookings import prepayment

        prepayment.connect()
