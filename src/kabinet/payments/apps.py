from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "kabinet.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from kabinet.core.providers import payments as contract
        from kabinet.crm.timeline import register_app_events
        from kabinet.payments import events, portal, sync

        register_app_events(events)
        portal.register()
        contract.set_change_handler(sync.sync_payment)
        sync.register_inbox_handlers()
