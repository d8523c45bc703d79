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

        from kabinet.files.subjects import register_subject
        from kabinet.messaging.models import Message
        from kabinet.messaging.selectors import messages_visible_to

        register_subject(Message, messages_visible_to)  # chat files stay as personal as the chat

        from kabinet.messaging import orders

        orders.connect()  # open order pages follow their order live
