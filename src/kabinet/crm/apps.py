from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "kabinet.crm"
    label = "crm"
    verbose_name = _("Clients and orders")

    def ready(self) -> None:
        from kabinet.crm import portal

        portal.register()
