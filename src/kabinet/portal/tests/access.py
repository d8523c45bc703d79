from django.urls import reverse

from kabinet.testing.matrix import Role, RouteCase

ROUTES = [
    RouteCase(
        url_name="portal:home",
        url=lambda w: reverse("portal:home"),
        expect={
            Role.OWNER: 200,
            Role.COLLEAGUE: 200,
            Role.COMPANY_ADMIN: 200,
            Role.OTHER_CLIENT: 200,
            Role.STAFF: (302, "/admin/"),
            Role.ANONYMOUS: (302, "/accounts/login/"),
        },
        markers=lambda w: {
            w.order.title: {Role.OWNER, Role.COMPANY_ADMIN},
            w.foreign["order"].title: {Role.OTHER_CLIENT},
        },
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
]
