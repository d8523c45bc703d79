from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilesConfig(AppConfig):
    name = "kabinet.files"
    label = "files"
    verbose_name = _("Files")

    def ready(self) -> None:
        from kabinet.crm.timeline import register_app_events
        from kabinet.files import events

        register_app_events(events)
        from kabinet.files import personal_data

        personal_data.register()

        from kabinet.files import portal

        portal.register()

        from kabinet.crm.models import Order
        from kabinet.crm.selectors import orders_visible_to
        from kabinet.files.subjects import register_subject

        # A file on an order is visible exactly when the order is (the CRM cannot register: it is left of files).
        register_subject(Order, orders_visible_to)
