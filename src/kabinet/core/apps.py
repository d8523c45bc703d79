from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kabinet.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.urls import register_converter

        from kabinet.core import checks, search  # noqa: F401 - register the system checks, the SQLite search function
        from kabinet.core.public_ids import PublicIdConverter

        register_converter(PublicIdConverter, "pid")
