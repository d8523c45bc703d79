"""The notification centre in the cross-client access matrix. Notices are personal: only the recipient
reads them (his company admin does not)."""

from django.urls import reverse

from kabinet.testing.matrix import CLIENT_ROLES, Role, RouteCase

LOGIN = (302, "/accounts/login/")
clients_only = {**dict.fromkeys(CLIENT_ROLES, 200), Role.STAFF: 404, Role.ANONYMOUS: LOGIN}
owner_alone = {**dict.fromkeys(CLIENT_ROLES, 404), Role.STAFF: 404, Role.ANONYMOUS: LOGIN}

ROUTES = [
    RouteCase(
        url_name="notifications:list",
        url=lambda w: reverse("notifications:list"),
        expect=clients_only,
        markers=lambda w: {
            w.extra["chat_secret"]: {Role.OWNER},
            w.foreign["chat_secret"]: {Role.OTHER_CLIENT},
        },
    ),
    RouteCase(
        url_name="notifications:open",
        url=lambda w: reverse("notifications:open", args=[w.extra["notification"].public_id]),
        expect={**owner_alone, Role.OWNER: (302, "/")},
    ),
    RouteCase(
        url_name="notifications:open",
        label="notifications:open (foreign)",
        url=lambda w: reverse("notifications:open", args=[w.foreign["notification"].public_id]),
        expect={**owner_alone, Role.OTHER_CLIENT: (302, "/")},
    ),
    RouteCase(
        url_name="notifications:mark_read",
        url=lambda w: reverse("notifications:mark_read", args=[w.extra["notification"].public_id]),
        method="post",
        data=lambda w: {},
        expect={**owner_alone, Role.OWNER: (302, "/notifications/")},
    ),
    RouteCase(
        url_name="notifications:mark_all_read",
        url=lambda w: reverse("notifications:mark_all_read"),
        method="post",
        data=lambda w: {},
        expect={
            **dict.fromkeys(CLIENT_ROLES, (302, "/notifications/")),
            Role.STAFF: 404,
            Role.ANONYMOUS: LOGIN,
        },
    ),
    RouteCase(
        url_name="notifications:preferences",
        url=lambda w: reverse("notifications:preferences"),
        expect=clients_only,
    ),
    RouteCase(
        url_name="notifications:push_subscribe",
        url=lambda w: reverse("notifications:push_subscribe"),
        method="post",
        data=lambda w: {"endpoint": "not json"},
        expect={**dict.fromkeys(CLIENT_ROLES, 400), Role.STAFF: 404, Role.ANONYMOUS: LOGIN},
    ),
    RouteCase(
        url_name="notifications:push_unsubscribe",
        url=lambda w: reverse("notifications:push_unsubscribe"),
        method="post",
        data=lambda w: {"endpoint": "not json"},
        expect={**dict.fromkeys(CLIENT_ROLES, 400), Role.STAFF: 404, Role.ANONYMOUS: LOGIN},
    ),
    RouteCase(
        url_name="notifications:service_worker",
        url=lambda w: reverse("notifications:service_worker"),
        expect=dict.fromkeys((*CLIENT_ROLES, Role.STAFF, Role.ANONYMOUS), 200),
    ),
]
