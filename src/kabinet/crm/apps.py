from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "kabinet.crm"
    label = "crm"
    verbose_name = _("Clients and orders")

    def ready(self) -> None:
        from kabinet.crm import events
        from kabinet.crm.timeline import register_app_events

        register_app_events(events)
        from kabinet.accounts.directory import set_directory
        from kabinet.crm import personal_data, portal
        from kabinet.crm.identity import CrmContactDirectory

        portal.register()
        set_directory(CrmContactDirectory())
        personal_data.register()
