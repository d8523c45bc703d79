from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "kabinet.messaging"
    label = "messaging"
    verbose_name = _("Chat with the manager")

    def ready(self) -> None:
        from kabinet.crm.timeline import register_app_events
        from kabinet.messaging import events

        register_app_events(events)
        from kabinet.messaging import personal_data, portal

        personal_data.register()
        portal.register()
