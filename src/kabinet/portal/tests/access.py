from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kabinet.portal.actions import save_portal_settings
from kabinet.portal.models import PortalSettings
from kabinet.testing.matrix import ALL_ROLES, Role, RouteCase

# A 1x1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)


def _with_brand_images(world) -> None:
    save_portal_settings(
        actor=None,
        portal_settings=PortalSettings(title="ООО Бренд"),
        logo=SimpleUploadedFile("logo.png", PNG, content_type="image/png"),
        favicon=SimpleUploadedFile("icon.png", PNG, content_type="image/png"),
    )


everybody = dict.fromkeys(ALL_ROLES, 200)


def signed_in(clients, *, staff) -> dict:
    """Clients get ``clients``, staff ``staff``, a visitor the sign-in page."""
    client_roles = [Role.OWNER, Role.COLLEAGUE, Role.COMPANY_ADMIN, Role.OTHER_CLIENT]
    return {
        **dict.fromkeys(client_roles, clients),
        Role.STAFF: staff,
        Role.ANONYMOUS: (302, "/accounts/login/"),
    }


def _hide_order(order) -> None:
    from kabinet.crm.actions import set_order_hidden

    set_order_hidden(actor=None, order=order, hidden=True)


ROUTES = [
    RouteCase(
        url_name="portal:home",
        url=lambda w: reverse("portal:home"),
        expect={
            Role.OWNER: 200,
            Role.COLLEAGUE: 200,
            Role.COMPANY_ADMIN: 200,
            Role.OTHER_CLIENT: 200,
            Role.STAFF: (302, "/staff/"),
            Role.ANONYMOUS: (302, "/accounts/login/"),
        },
        markers=lambda w: {
            w.order.title: {Role.OWNER, Role.COMPANY_ADMIN},
            w.foreign["order"].title: {Role.OTHER_CLIENT},
            w.invoice.number: {Role.OWNER, Role.COMPANY_ADMIN},
            w.foreign["invoice"].number: {Role.OTHER_CLIENT},
        },
    ),
    RouteCase(  # an order the CRM hid after it was shown: off the dashboard for everybody
        url_name="portal:home",
        label="portal:home (hidden order)",
        url=lambda w: reverse("portal:home"),
        setup=lambda w: _hide_order(w.order),
        expect={
            **dict.fromkeys((Role.OWNER, Role.COLLEAGUE, Role.COMPANY_ADMIN, Role.OTHER_CLIENT), 200),
            Role.STAFF: (302, "/staff/"),
            Role.ANONYMOUS: (302, "/accounts/login/"),
        },
        markers=lambda w: {w.order.title: set(), w.foreign["order"].title: {Role.OTHER_CLIENT}},
    ),
    RouteCase(
        url_name="portal:switch_company",
        url=lambda w: reverse("portal:switch_company"),
        method="post",
        data=lambda w: {"company": w.other_company.public_id},
        expect={
            Role.OWNER: (302, "/"),
            Role.COLLEAGUE: (302, "/"),
            Role.COMPANY_ADMIN: (302, "/"),
            Role.OTHER_CLIENT: (302, "/"),
            Role.STAFF: (302, "/"),
            Role.ANONYMOUS: (302, "/accounts/login/"),
        },
    ),
    RouteCase(url_name="portal:glossary", url=lambda w: reverse("portal:glossary"), expect=everybody),
    RouteCase(
        url_name="portal:staff_home",
        url=lambda w: reverse("portal:staff_home"),
        expect=signed_in(404, staff=200),
    ),
    RouteCase(url_name="portal:more", url=lambda w: reverse("portal:more"), expect=signed_in(200, staff=404)),
    RouteCase(
        url_name="portal:term", url=lambda w: reverse("portal:term", args=["order-stage"]), expect=everybody
    ),
    RouteCase(
        url_name="portal:term",
        label="portal:term (unknown)",
        url=lambda w: reverse("portal:term", args=["no-such-term"]),
        expect=dict.fromkeys(ALL_ROLES, 404),
    ),
    RouteCase(
        url_name="portal:logo",
        url=lambda w: reverse("portal:logo"),
        expect=dict.fromkeys(ALL_ROLES, 404),
        label="portal:logo (none set)",
    ),
    RouteCase(
        url_name="portal:logo",
        url=lambda w: reverse("portal:logo"),
        setup=_with_brand_images,
        expect=everybody,
    ),
    RouteCase(
        url_name="portal:favicon",
        url=lambda w: reverse("portal:favicon"),
        setup=_with_brand_images,
        expect=everybody,
    ),
    RouteCase(
        url_name="portal:nav_badges",
        url=lambda w: reverse("portal:nav_badges"),
        expect={**dict.fromkeys(ALL_ROLES, 200), Role.ANONYMOUS: (302, "/accounts/login/")},
    ),
]
