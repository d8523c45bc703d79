from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "kabinet.billing"
    label = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from kabinet.billing import events
        from kabinet.crm.timeline import register_app_events

        register_app_events(events)
        from kabinet.billing import personal_data

        personal_data.register()

        from kabinet.billing import portal

        portal.register()

        from kabinet.billing.models import Invoice
        from kabinet.billing.selectors import invoices_visible_to
        from kabinet.files.subjects import register_subject

        register_subject(Invoice, invoices_visible_to)
