from django.urls import reverse

from kabinet.testing.matrix import CLIENT_ROLES, Role, RouteCase, owner_only

LOGIN = (302, "/accounts/login/")


def _sandbox_payment(world) -> None:
    """A payment of the owner's invoice started at the sandbox, and one of the other client's."""
    from kabinet.payments.actions import start_payment

    for key, invoice in (("payment", world.invoice), ("foreign_payment", world.foreign["invoice"])):
        world.extra[key] = start_payment(actor=None, invoice=invoice, return_url=lambda pid: "http://x/")


def _points(world) -> None:
    """Staff allow half of an invoice in points; the owner and the other client have points."""
    from decimal import Decimal

    from kabinet.payments.actions import adjust_account, save_payment_settings
    from kabinet.payments.models import AccountEntry, PaymentSettings

    save_payment_settings(actor=None, options=PaymentSettings(max_redeem_share=50), changed_fields=[])
    for company, contact, reason in (
        (world.company, world.user(Role.OWNER).contact, "OWNER-POINTS"),
        (world.other_company, world.user(Role.OTHER_CLIENT).contact, "FOREIGN-POINTS"),
    ):
        adjust_account(
            actor=None,
            company=company,
            contact=contact,
            kind=AccountEntry.Kind.POINTS,
            amount=Decimal("500"),
            reason=reason,
        )


def _bank_details(world) -> None:
    """Staff entered the payee's bank details, so open invoices have a payment slip."""
    from kabinet.payments.actions import save_payment_settings
    from kabinet.payments.tests.test_qr import payee

    save_payment_settings(actor=None, options=payee(), changed_fields=[])


ROUTES = [
    RouteCase(
        url_name="billing:invoice_file",
        label="billing:invoice_file (no PDF stored: Kabinet's invoice PDF with the payment slip)",
        url=lambda w: reverse("billing:invoice_file", args=[w.invoice.public_id]),
        setup=_bank_details,
        expect=owner_only(),
    ),
    RouteCase(
        url_name="payments:slip",
        url=lambda w: reverse("payments:slip", args=[w.invoice.public_id]),
        setup=_bank_details,
        expect=owner_only(),
        markers=lambda w: {w.invoice.number: {Role.OWNER, Role.COMPANY_ADMIN}},
    ),
    RouteCase(
        url_name="payments:slip",
        label="payments:slip (no bank details)",
        url=lambda w: reverse("payments:slip", args=[w.invoice.public_id]),
        expect={**owner_only(), Role.OWNER: 404, Role.COMPANY_ADMIN: 404},
    ),
    RouteCase(
        url_name="payments:account",
        url=lambda w: reverse("payments:account"),
        setup=_points,
        expect={**dict.fromkeys(CLIENT_ROLES, 200), Role.STAFF: 404, Role.ANONYMOUS: LOGIN},
        markers=lambda w: {
            "OWNER-POINTS": {Role.OWNER, Role.COMPANY_ADMIN},
            "FOREIGN-POINTS": {Role.OTHER_CLIENT},
        },
    ),
    RouteCase(
        url_name="payments:redeem",
        method="post",
        url=lambda w: reverse("payments:redeem", args=[w.invoice.public_id]),
        data=lambda w: {"method": "points", "amount": "100"},
        setup=_points,
        expect={**owner_only((302, "/invoices/"))},
    ),
    RouteCase(
        url_name="payments:pay",
        url=lambda w: reverse("payments:pay", args=[w.invoice.public_id]),
        expect=owner_only(),
        markers=lambda w: {w.invoice.number: {Role.OWNER, Role.COMPANY_ADMIN}},
    ),
    RouteCase(
        url_name="payments:pay",
        label="payments:pay (POST: to the provider's page)",
        method="post",
        url=lambda w: reverse("payments:pay", args=[w.invoice.public_id]),
        data=lambda w: {},
        expect={**owner_only((302, "/pay/sandbox/sbx_"))},
    ),
    RouteCase(
        url_name="payments:return",
        url=lambda w: reverse("payments:return", args=[w.extra["payment"].public_id]),
        setup=_sandbox_payment,
        expect={**owner_only((302, "/invoices/"))},
    ),
    RouteCase(
        url_name="payments:sandbox",
        url=lambda w: reverse("payments:sandbox", args=[w.extra["payment"].provider_payment_id]),
        setup=_sandbox_payment,
        expect=owner_only(),
        markers=lambda w: {w.invoice.number: {Role.OWNER, Role.COMPANY_ADMIN}},
    ),
    RouteCase(
        url_name="payments:sandbox",
        label="payments:sandbox (POST: pay)",
        method="post",
        url=lambda w: reverse("payments:sandbox", args=[w.extra["payment"].provider_payment_id]),
        data=lambda w: {"outcome": "succeeded"},
        setup=_sandbox_payment,
        expect={**owner_only((302, "/payments/"))},
    ),
]
