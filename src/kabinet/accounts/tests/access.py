"""Sign-in, sign-up, invitations and the account pages in the cross-client access matrix.

Account pages only ever show the signed-in person's own account: every signed-in role gets its own page
(markers check nobody sees another's email), anonymous visitors go to the sign-in page.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from kabinet.testing.matrix import ALL_ROLES, CLIENT_ROLES, Role, RouteCase

SIGNED_IN = (*CLIENT_ROLES, Role.STAFF)
LOGIN = "/accounts/login/"


def signed_in(expect, anonymous=(302, LOGIN)):
    return {**dict.fromkeys(SIGNED_IN, expect), Role.ANONYMOUS: anonymous}


def anonymous_only(expect_anonymous=200, signed=(302, "/")):
    return {**dict.fromkeys(SIGNED_IN, signed), Role.ANONYMOUS: expect_anonymous}


def everybody(expect):
    return dict.fromkeys(ALL_ROLES, expect)


def own_email_only(world):
    """Each person's page shows his own email and nobody else's."""
    return {world.users[role].email: {role} for role in SIGNED_IN}


INVITE_TOKEN = "matrix-invitation-token-0123456789abcdefghijkl"


def _invitation(world) -> None:
    from kabinet.accounts.models import Invitation
    from kabinet.testing import factories as f

    contact = f.ContactEmailFactory(email="invited@example.test").contact
    Invitation.objects.get_or_create(
        token_hash=hashlib.sha256(INVITE_TOKEN.encode()).hexdigest(),
        defaults={
            "email": "invited@example.test",
            "contact_public_id": contact.public_id,
            "expires_at": timezone.now() + timedelta(days=1),
        },
    )


COMPANY_INVITE_TOKEN = "matrix-company-invitation-token-0123456789abc"


def _company_invitation(world) -> None:
    """The company admin invited an address that belongs to the client of the other company."""
    from kabinet.accounts.models import Invitation

    Invitation.objects.get_or_create(
        token_hash=hashlib.sha256(COMPANY_INVITE_TOKEN.encode()).hexdigest(),
        defaults={
            "email": world.users[Role.OTHER_CLIENT].email,
            "invitee": world.users[Role.OTHER_CLIENT],
            "company_public_id": world.company.public_id,
            "company_name": world.company.name,
            "role": "member",
            "expires_at": timezone.now() + timedelta(days=1),
        },
    )


def page(name: str, expect, markers=None, **kwargs) -> RouteCase:
    return RouteCase(
        url_name=name, url=lambda w, n=name: reverse(n), expect=expect, markers=markers, **kwargs
    )


ROUTES = [
    page("accounts:login", anonymous_only()),
    RouteCase(
        url_name="accounts:login",
        label="accounts:login (post email)",
        url=lambda w: reverse("accounts:login"),
        method="post",
        data=lambda w: {"login": w.users[Role.OWNER].email, "action": "continue"},
        expect=anonymous_only(),
    ),
    page("account_login", anonymous_only()),
    RouteCase(
        url_name="accounts:logout",
        url=lambda w: reverse("accounts:logout"),
        method="post",
        data=lambda w: {},
        expect=everybody((302, LOGIN)),
    ),
    page("accounts:logout", signed_in(200), label="accounts:logout (get)"),
    page("account_logout", signed_in(200)),
    RouteCase(
        url_name="accounts:set_language",
        url=lambda w: reverse("accounts:set_language"),
        method="post",
        data=lambda w: {"language": "ru", "next": "/"},
        expect=everybody((302, "/")),
    ),
    RouteCase(
        url_name="accounts:accept_invitation",
        url=lambda w: reverse("accounts:accept_invitation", args=[INVITE_TOKEN]),
        setup=_invitation,
        expect={**dict.fromkeys(SIGNED_IN, 409), Role.ANONYMOUS: 200},
        markers=lambda w: {"invited@example.test": {Role.ANONYMOUS}},
    ),
    RouteCase(
        url_name="accounts:accept_invitation",
        label="accounts:accept_invitation (to an existing account)",
        url=lambda w: reverse("accounts:accept_invitation", args=[COMPANY_INVITE_TOKEN]),
        setup=_company_invitation,
        expect={**dict.fromkeys(SIGNED_IN, 409), Role.OTHER_CLIENT: 200, Role.ANONYMOUS: (302, LOGIN)},
        markers=lambda w: {"Join " + w.company.name: {Role.OTHER_CLIENT}},
    ),
    RouteCase(
        url_name="accounts:accept_invitation",
        label="accounts:accept_invitation (accepted by someone else)",
        url=lambda w: reverse("accounts:accept_invitation", args=[COMPANY_INVITE_TOKEN]),
        method="post",
        data=lambda w: {"decision": "accept"},
        setup=_company_invitation,
        expect={**dict.fromkeys(SIGNED_IN, 409), Role.OTHER_CLIENT: (302, "/"), Role.ANONYMOUS: (302, LOGIN)},
    ),
    RouteCase(
        url_name="accounts:accept_invitation",
        label="accounts:accept_invitation (unknown token)",
        url=lambda w: reverse("accounts:accept_invitation", args=["unknown-token"]),
        expect=everybody(404),
    ),
    page("accounts:choose_company", signed_in((302, "/"))),
    page("accounts:overview", signed_in(200), markers=own_email_only),
    page("accounts:identities", signed_in(200), markers=own_email_only),
    page("accounts:sessions", signed_in(200)),
    page("accounts:delete", signed_in(200)),
    RouteCase(
        url_name="accounts:delete",
        label="accounts:delete (wrong code)",
        url=lambda w: reverse("accounts:delete"),
        method="post",
        data=lambda w: {"action": "confirm", "code": "123456"},
        expect=signed_in(200),
    ),
    page("accounts:export", signed_in(200)),
    page("accounts:export_download", signed_in((302, "/accounts/reauthenticate/"))),
    page("account_change_password", signed_in(200)),
    page("account_set_password", signed_in((302, "/accounts/password/change/"))),
    page("account_change_phone", signed_in(200)),
    page("account_verify_phone", signed_in((302, "/accounts/phone/change/"), anonymous=(302, LOGIN))),
    page("account_email", signed_in(200), markers=own_email_only),
    page("account_email_verification_sent", signed_in((302, "/accounts/email/"), anonymous=(302, LOGIN))),
    page(
        "account_confirm_login_code",
        {**dict.fromkeys(SIGNED_IN, (302, "/")), Role.ANONYMOUS: (302, "/accounts/login/code/")},
    ),
    page(
        "accounts:confirm_login_code",  # the same path, Kabinet's view (it also takes a phone enrolment's code)
        {**dict.fromkeys(SIGNED_IN, (302, "/")), Role.ANONYMOUS: (302, "/accounts/login/code/")},
    ),
    # only an account made by sign-in by the phone on the deal, with no consent yet, stays on it
    page("accounts:consent", signed_in((302, "/"))),
    page("account_request_login_code", anonymous_only()),
    page("account_reauthenticate", signed_in(200)),
    # confirming by code only after a code was requested from the reauthentication page
    page("account_request_reauthentication_code", signed_in((302, "/accounts/reauthenticate/"))),
    page("account_confirm_reauthentication_code", signed_in((302, "/accounts/reauthenticate/code/"))),
    page("account_inactive", everybody(200)),
    page("account_signup", anonymous_only()),
    page("account_reset_password", everybody(200)),
    page("account_reset_password_done", everybody(200)),
    page("account_reset_password_from_key_done", everybody(200)),
    RouteCase(
        url_name="account_reset_password_from_key",
        url=lambda w: reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "bad-key"}),
        expect=everybody(200),  # "the link is invalid" page; nothing about any account
    ),
    page("mfa_index", signed_in(200)),
    page("mfa_activate_totp", signed_in((302, "/accounts/"))),  # re-authentication first, or the 2FA page
    page("mfa_deactivate_totp", signed_in(404)),
    page("mfa_view_recovery_codes", signed_in(404)),
    page("mfa_download_recovery_codes", signed_in(404)),
    page("mfa_generate_recovery_codes", signed_in((302, "/accounts/reauthenticate/"))),
    page("mfa_authenticate", {**dict.fromkeys(SIGNED_IN, (302, "/")), Role.ANONYMOUS: (302, LOGIN)}),
    page("mfa_reauthenticate", signed_in((302, "/accounts/reauthenticate/"))),
    page("accounts:mfa_setup", signed_in((302, "/accounts/2fa/totp/activate/"))),
    page("account_request_reauthentication_code", signed_in((302, "/accounts/reauthenticate/"))),
    page("account_confirm_reauthentication_code", signed_in((302, "/accounts/reauthenticate/code/"))),
]
