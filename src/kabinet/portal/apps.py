from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "kabinet.portal"
    label = "portal"
    verbose_name = _("Client portal")

    def ready(self) -> None:
        from kabinet.core.branding import set_title_source
        from kabinet.core.registry import DetailPanel, NavItem, register_detail_panel, register_nav
        from kabinet.portal.config import portal_config
        from kabinet.portal.panels import order_papers

        set_title_source(lambda: portal_config().title)
        register_nav(NavItem(key="home", label=_("Home"), url_name="portal:home", order=0))
        register_nav(NavItem(key="help", label=_("Help"), url_name="portal:glossary", order=900))
        register_detail_panel(
            DetailPanel(
                key="papers",
                subject="order",
                template="portal/panels/papers.html",
                context=order_papers,
                order=10,
            )
        )
