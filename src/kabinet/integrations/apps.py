from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "kabinet.integrations"
    label = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        from kabinet.core import crypto, providers
        from kabinet.core.providers.crm import registry as crm
        from kabinet.core.providers.payments import registry as payments
        from kabinet.core.providers.sms import registry as sms
        from kabinet.core.providers.timestamp import registry as timestamp
        from kabinet.integrations import checks  # noqa: F401 - registers the system check
        from kabinet.integrations.crm.amocrm import AmoCrmProvider
        from kabinet.integrations.crm.bitrix24 import Bitrix24Provider
        from kabinet.integrations.crm.hubspot import HubSpotProvider
        from kabinet.integrations.crm.memory import MemoryCrmProvider
        from kabinet.integrations.crm.yclients import YclientsProvider
        from kabinet.integrations.payments.sandbox import SandboxPaymentProvider
        from kabinet.integrations.payments.stripe import StripeProvider
        from kabinet.integrations.payments.yookassa import YooKassaProvider
        from kabinet.integrations.sms.file import FileSmsProvider
        from kabinet.integrations.sms.memory import MemorySmsProvider
        from kabinet.integrations.sms.smsru import SmsRuProvider
        from kabinet.integrations.store import DatabaseStore
        from kabinet.integrations.timestamp.local import LocalTimestampProvider
        from kabinet.integrations.timestamp.none import NoTimestampProvider
        from kabinet.integrations.timestamp.rfc3161 import Rfc3161Provider

        for provider in (FileSmsProvider, MemorySmsProvider, SmsRuProvider):
            sms.register(provider)
        for provider in (
            MemoryCrmProvider,
            Bitrix24Provider,
            AmoCrmProvider,
            HubSpotProvider,
            YclientsProvider,
        ):
            crm.register(provider)
        for provider in (SandboxPaymentProvider, YooKassaProvider, StripeProvider):
            payments.register(provider)
        for provider in (NoTimestampProvider, LocalTimestampProvider, Rfc3161Provider):
            timestamp.register(provider)
        providers.set_store(DatabaseStore())
        from kabinet.integrations.actions import rotate_credentials

        crypto.on_rotation("provider settings", rotate_credentials)
