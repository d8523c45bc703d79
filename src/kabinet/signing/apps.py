from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigningConfig(AppConfig):
    name = "kabinet.signing"
    label = "signing"
    verbose_name = _("Signatures")

    def ready(self) -> None:
        from kabinet.crm.timeline import register_app_events
        from kabinet.signing import events, portal

        register_app_events(events)
        portal.register()
        from kabinet.signing import personal_data

        personal_data.register()
        from kabinet.core import crypto
        from kabinet.signing.actions import rotate_certificate_passwords

        crypto.on_rotation("certificate passwords", rotate_certificate_passwords)
