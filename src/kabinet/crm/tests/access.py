from django.urls import reverse

from kabinet.crm.timeline import record_timeline
from kabinet.testing.matrix import CLIENT_ROLES, Role, RouteCase, owner_only

LOGIN = (302, "/accounts/login/")
CLIENT_PAGE = {**dict.fromkeys(CLIENT_ROLES, 200), Role.STAFF: 404, Role.ANONYMOUS: LOGIN}
COMPANY_ADMIN_ONLY = {
    Role.OWNER: 404,
    Role.COLLEAGUE: 404,
    Role.COMPANY_ADMIN: 200,
    Role.OTHER_CLIENT: 404,
    Role.STAFF: 404,
    Role.ANONYMOUS: LOGIN,
}


def _history(world) -> None:
    for order in (world.order, world.foreign["order"]):
        record_timeline(
            event="order.created",
            kind="order",
            subject=order,
            company=order.company,
            contact=order.contact,
            number=order.number,
            title=f"История {order.title}",
        )


def _hide(world) -> None:
    """The CRM moved the owner's order to a stage the business hides, after it had been shown (with history)."""
    from kabinet.crm.actions import set_order_hidden

    _history(world)
    set_order_hidden(actor=None, order=world.order, hidden=True)


def _hidden_marker(world) -> dict:
    # Nobody reads it any more, the owner and his company admin included; the other company's order stays.
    return {world.order.title: set(), world.foreign["order"].title: {Role.OTHER_CLIENT}}


def _owner_pid(world) -> str:
    return world.user(Role.OWNER).contact.public_id


ROUTES = [
    RouteCase(
        url_name="crm:orders",
        url=lambda w: reverse("crm:orders"),
        expect=CLIENT_PAGE,
        markers=lambda w: {
            w.order.title: {Role.OWNER, Role.COMPANY_ADMIN},
            w.foreign["order"].title: {Role.OTHER_CLIENT},
        },
    ),
    RouteCase(
        url_name="crm:order",
        url=lambda w: reverse("crm:order", args=[w.order.public_id]),
        expect=owner_only(),
        markers=lambda w: {w.order.title: {Role.OWNER, Role.COMPANY_ADMIN}},
    ),
    RouteCase(
        url_name="crm:order",
        label="crm:order (foreign)",
        url=lambda w: reverse("crm:order", args=[w.foreign["order"].public_id]),
        expect={
            Role.OWNER: 404,
            Role.COLLEAGUE: 404,
            Role.COMPANY_ADMIN: 404,
            Role.OTHER_CLIENT: 200,
            Role.STAFF: 404,
            Role.ANONYMOUS: LOGIN,
        },
    ),
    RouteCase(
        url_name="crm:order",
        label="crm:order (unknown id)",
        url=lambda w: reverse("crm:order", args=["A" * 22]),
        expect={**dict.fromkeys(CLIENT_ROLES, 404), Role.STAFF: 404, Role.ANONYMOUS: LOGIN},
    ),
    RouteCase(
        url_name="crm:orders",
        label="crm:orders (hidden order)",
        url=lambda w: reverse("crm:orders"),
        setup=_hide,
        expect=CLIENT_PAGE,
        markers=_hidden_marker,
    ),
    RouteCase(
        url_name="crm:order",
        label="crm:order (hidden order)",
        url=lambda w: reverse("crm:order", args=[w.order.public_id]),
        setup=_hide,
        expect={**dict.fromkeys(CLIENT_ROLES, 404), Role.STAFF: 404, Role.ANONYMOUS: LOGIN},
    ),
    RouteCase(
        url_name="crm:history",
        label="crm:history (hidden order)",
        url=lambda w: reverse("crm:history"),
        setup=_hide,
        expect=CLIENT_PAGE,
        markers=lambda w: {
            f"История {w.order.title}": set(),
            f"История {w.foreign['order'].title}": {Role.OTHER_CLIENT},
        },
    ),
    RouteCase(
        url_name="crm:order_decision",
        url=lambda w: reverse("crm:order_decision", args=[w.order.public_id]),
        method="post",
        data=lambda w: {"decision": "confirm"},
        expect={**owner_only(302), Role.OWNER: (302, "/orders/"), Role.COMPANY_ADMIN: (302, "/orders/")},
    ),
    RouteCase(
        url_name="crm:history",
        url=lambda w: reverse("crm:history"),
        setup=_history,
        expect=CLIENT_PAGE,
        markers=lambda w: {
            f"История {w.order.title}": {Role.OWNER, Role.COMPANY_ADMIN},
            f"История {w.foreign['order'].title}": {Role.OTHER_CLIENT},
        },
    ),
    RouteCase(
        url_name="crm:profile",
        url=lambda w: reverse("crm:profile"),
        expect=CLIENT_PAGE,
        markers=lambda w: {
            "owner@example.test": {Role.OWNER},
            "colleague@example.test": {Role.COLLEAGUE},
            "other@example.test": {Role.OTHER_CLIENT},
        },
    ),
    RouteCase(url_name="crm:profile_edit", url=lambda w: reverse("crm:profile_edit"), expect=CLIENT_PAGE),
    RouteCase(  # no code pending: back to "My data"
        url_name="crm:verify_address",
        url=lambda w: reverse("crm:verify_address"),
        expect={**dict.fromkeys(CLIENT_ROLES, (302, "/me/")), Role.STAFF: 404, Role.ANONYMOUS: LOGIN},
    ),
    RouteCase(  # someone else's address is never "one of mine": nothing is sent
        url_name="crm:verify_address",
        label="crm:verify_address (another person's address)",
        url=lambda w: reverse("crm:verify_address"),
        method="post",
        data=lambda w: {"address": w.users[Role.OWNER].email},
        expect={**dict.fromkeys(CLIENT_ROLES, (302, "/me/")), Role.STAFF: 404, Role.ANONYMOUS: LOGIN},
    ),
    RouteCase(
        url_name="crm:company",
        url=lambda w: reverse("crm:company", args=[w.company.public_id]),
        expect={
            **dict.fromkeys(CLIENT_ROLES, 200),
            Role.OTHER_CLIENT: 404,
            Role.STAFF: 404,
            Role.ANONYMOUS: LOGIN,
        },
        markers=lambda w: {w.company.inn: {Role.OWNER, Role.COLLEAGUE, Role.COMPANY_ADMIN}},
    ),
    RouteCase(
        url_name="crm:company_edit",
        url=lambda w: reverse("crm:company_edit", args=[w.company.public_id]),
        expect=COMPANY_ADMIN_ONLY,
    ),
    RouteCase(
        url_name="crm:colleagues",
        url=lambda w: reverse("crm:colleagues"),
        expect={**COMPANY_ADMIN_ONLY, Role.OTHER_CLIENT: 200},  # he is the admin of his own company
        markers=lambda w: {"colleague@example.test": {Role.COMPANY_ADMIN}},
    ),
    RouteCase(
        url_name="crm:colleague_role",
        url=lambda w: reverse("crm:colleague_role", args=[_owner_pid(w)]),
        method="post",
        data=lambda w: {f"{_owner_pid(w)}-role": "admin"},
        expect={**COMPANY_ADMIN_ONLY, Role.COMPANY_ADMIN: (302, "/me/colleagues/")},
    ),
    RouteCase(
        url_name="crm:colleague_remove",
        url=lambda w: reverse("crm:colleague_remove", args=[_owner_pid(w)]),
        method="post",
        data=lambda w: {},
        expect={**COMPANY_ADMIN_ONLY, Role.COMPANY_ADMIN: (302, "/me/colleagues/")},
    ),
]
