from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "kabinet.portal"
    label = "portal"
    verbose_name = _("Client portal")

    def ready(self) -> None:
        from kabinet.core.registry import NavItem, register_nav

        register_nav(NavItem(key="home", label=_("Home"), url_name="portal:home", order=0))
        register_nav(NavItem(key="help", label=_("Help"), url_name="portal:glossary", order=900))
