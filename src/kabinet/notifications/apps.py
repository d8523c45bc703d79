from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "kabinet.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from kabinet.core.notify import set_backend
        from kabinet.notifications import channels, portal
        from kabinet.notifications.backend import deliver

        channels.register_builtin_channels()
        set_backend(deliver)
        portal.register()
