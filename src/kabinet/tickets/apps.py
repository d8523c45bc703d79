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

        from kabinet.files.subjects import register_subject
        from kabinet.tickets.models import TicketMessage
        from kabinet.tickets.selectors import public_ticket_messages_visible_to

        register_subject(TicketMessage, public_ticket_messages_visible_to)
