from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "kabinet.tickets"
    label = "tickets"
    verbose_name = _("Support tickets")

    def ready(self) -> None:
        from kabinet.crm.timeline import register_app_events
        from kabinet.tickets import events

        register_app_events(events)
        from kabinet.tickets import personal_data

        personal_data.register()

        from kabinet.tickets import portal, tasks  # noqa: F401  (tasks: registers the jobs with Huey)

        portal.register()
