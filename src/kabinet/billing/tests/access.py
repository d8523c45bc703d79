from django.urls import reverse

from kabinet.testing.matrix import CLIENT_ROLES, Role, RouteCase, owner_only

LOGIN = (302, "/accounts/login/")
CLIENT_PAGE = {**dict.fromkeys(CLIENT_ROLES, 200), Role.STAFF: 404, Role.ANONYMOUS: LOGIN}


def _with_pdf(world) -> None:
    for invoice, file in ((world.invoice, world.file), (world.foreign["invoice"], world.foreign["file"])):
        invoice.file = file
        invoice.save(update_fields=["file"])


ROUTES = [
    RouteCase(
        url_name="billing:invoices",
        url=lambda w: reverse("billing:invoices"),
        expect=CLIENT_PAGE,
        markers=lambda w: {
            w.invoice.number: {Role.OWNER, Role.COMPANY_ADMIN},
            w.foreign["invoice"].number: {Role.OTHER_CLIENT},
        },
    ),
    RouteCase(
        url_name="billing:invoice",
        url=lambda w: reverse("billing:invoice", args=[w.invoice.public_id]),
        expect=owner_only(),
        markers=lambda w: {w.invoice.number: {Role.OWNER, Role.COMPANY_ADMIN}},
    ),
    RouteCase(
        url_name="billing:invoice_file",
        url=lambda w: reverse("billing:invoice_file", args=[w.invoice.public_id]),
        setup=_with_pdf,
        expect=owner_only(),
    ),
    RouteCase(
        url_name="billing:invoice_file",
        label="billing:invoice_file (no PDF yet)",
        url=lambda w: reverse("billing:invoice_file", args=[w.invoice.public_id]),
        expect={**owner_only(), Role.OWNER: 404, Role.COMPANY_ADMIN: 404},
    ),
    RouteCase(
        url_name="billing:latest",
        url=lambda w: reverse("billing:latest"),
        expect={**dict.fromkeys(CLIENT_ROLES, (302, "/invoices/")), Role.STAFF: 404, Role.ANONYMOUS: LOGIN},
    ),
    RouteCase(
        url_name="billing:latest",
        label="billing:latest (with a PDF)",
        url=lambda w: reverse("billing:latest"),
        setup=_with_pdf,
        expect={
            Role.OWNER: 200,
            Role.COMPANY_ADMIN: 200,
            Role.OTHER_CLIENT: 200,
            Role.COLLEAGUE: (302, "/invoices/"),
            Role.STAFF: 404,
            Role.ANONYMOUS: LOGIN,
        },
    ),
]
