from django.urls import reverse

from kabinet.testing.matrix import CLIENT_ROLES, Role, RouteCase

signed_in = dict.fromkeys((*CLIENT_ROLES, Role.STAFF), (302, "/"))

ROUTES = [
    RouteCase(
        url_name="accounts:login",
        url=lambda w: reverse("accounts:login"),
        expect={**signed_in, Role.ANONYMOUS: 200},
    ),
    RouteCase(
        url_name="accounts:logout",
        url=lambda w: reverse("accounts:logout"),
        method="post",
        data=lambda w: {},
        expect=dict.fromkeys((*CLIENT_ROLES, Role.STAFF, Role.ANONYMOUS), (302, "/accounts/login/")),
    ),
    RouteCase(
        url_name="accounts:set_language",
        url=lambda w: reverse("accounts:set_language"),
        method="post",
        data=lambda w: {"language": "ru", "next": "/"},
        expect=dict.fromkeys((*CLIENT_ROLES, Role.STAFF, Role.ANONYMOUS), (302, "/")),
    ),
]
