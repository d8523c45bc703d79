from django.urls import reverse

from kabinet.testing.matrix import CLIENT_ROLES, Role, RouteCase, owner_only

CLIENT_PAGE = {**dict.fromkeys(CLIENT_ROLES, 200), Role.STAFF: 404, Role.ANONYMOUS: (302, "/accounts/login/")}

ROUTES = [
    RouteCase(
        url_name="documents:list",
        url=lambda w: reverse("documents:list"),
        expect=CLIENT_PAGE,
        markers=lambda w: {
            w.document.title: {Role.OWNER, Role.COMPANY_ADMIN},
            w.foreign["document"].title: {Role.OTHER_CLIENT},
        },
    ),
    RouteCase(
        url_name="documents:detail",
        url=lambda w: reverse("documents:detail", args=[w.document.public_id]),
        expect=owner_only(),
        markers=lambda w: {w.document.title: {Role.OWNER, Role.COMPANY_ADMIN}},
    ),
    RouteCase(
        url_name="documents:file",
        url=lambda w: reverse("documents:file", args=[w.document.public_id]),
        expect=owner_only(),
    ),
    RouteCase(
        url_name="documents:file",
        label="documents:file (foreign)",
        url=lambda w: reverse("documents:file", args=[w.foreign["document"].public_id]),
        expect={**owner_only(), Role.OWNER: 404, Role.COMPANY_ADMIN: 404, Role.OTHER_CLIENT: 200},
    ),
]
