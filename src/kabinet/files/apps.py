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
