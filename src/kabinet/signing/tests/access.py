"""The signing routes in the cross-client access matrix.

``w.document`` (owned by the owner) asks for the owner's signature by name: only he may open the sign page —
not his company admin, who sees the document, and not a colleague. A second document of the owner asks for
"any company admin": the admin signs it, the owner (a member) may not. The signed file and the audit log
follow the document's visibility.
"""

from django.contrib.auth.models import Permission
from django.urls import reverse

from kabinet.signing.models import SignatureRequest
from kabinet.signing.tests.helpers import fake_sealed, requested
from kabinet.testing.matrix import ALL_ROLES, CLIENT_ROLES, Role, RouteCase, owner_only

LOGIN = (302, "/accounts/login/")
NAMED_ONLY = {**dict.fromkeys(ALL_ROLES, 404), Role.OWNER: 200, Role.ANONYMOUS: LOGIN}
ADMIN_ONLY = {**dict.fromkeys(ALL_ROLES, 404), Role.COMPANY_ADMIN: 200, Role.ANONYMOUS: LOGIN}
STAFF_WITH_RIGHTS = {**dict.fromkeys(CLIENT_ROLES, 404), Role.STAFF: 200, Role.ANONYMOUS: LOGIN}
PUBLIC = dict.fromkeys(ALL_ROLES, 200)


def named(w) -> SignatureRequest:
    """The owner's document asks for his signature (and the staff's after him); the world's file stands in
    for the sealed PDF."""
    if "sig_request" not in w.extra:
        owner = w.users[Role.OWNER]
        sig_request = requested(w.document, client_contact=owner.contact, staff_user=w.users[Role.STAFF])
        w.extra["sig_request"] = sig_request
        staff = w.users[Role.STAFF]
        staff.user_permissions.add(
            *Permission.objects.filter(content_type__app_label="signing", codename="view_signaturerequest")
        )
        for attr in ("_perm_cache", "_user_perm_cache"):
            staff.__dict__.pop(attr, None)
    return w.extra["sig_request"]


def sealed(w) -> SignatureRequest:
    sig_request = named(w)
    if sig_request.signed_file_id is None:
        fake_sealed(sig_request, w.file)
    return sig_request


def any_admin(w) -> SignatureRequest:
    if "admin_request" not in w.extra:
        from kabinet.signing.tests.helpers import pdf_document

        document = pdf_document(
            company=w.company, contact=w.users[Role.OWNER].contact, title="ADMIN-SIGNS contract"
        )
        w.extra["admin_request"] = requested(document, any_company_admin=True)
    return w.extra["admin_request"]


def foreign(w) -> SignatureRequest:
    if "foreign_request" not in w.extra:
        other = w.users[Role.OTHER_CLIENT]
        w.extra["foreign_request"] = requested(w.foreign["document"], client_contact=other.contact)
    return w.extra["foreign_request"]


ROUTES = [
    RouteCase(
        url_name="signing:sign",
        url=lambda w: reverse("signing:sign", args=[named(w).document.public_id]),
        expect=NAMED_ONLY,
        markers=lambda w: {w.document.title: {Role.OWNER}},
    ),
    RouteCase(
        url_name="signing:sign",
        label="signing:sign (any company admin)",
        url=lambda w: reverse("signing:sign", args=[any_admin(w).document.public_id]),
        expect=ADMIN_ONLY,
        markers=lambda w: {"ADMIN-SIGNS contract": {Role.COMPANY_ADMIN}},
    ),
    RouteCase(
        url_name="signing:sign",
        label="signing:sign (foreign)",
        url=lambda w: reverse("signing:sign", args=[foreign(w).document.public_id]),
        expect={**dict.fromkeys(ALL_ROLES, 404), Role.OTHER_CLIENT: 200, Role.ANONYMOUS: LOGIN},
    ),
    RouteCase(
        url_name="signing:sign",
        label="signing:sign (send a code, someone else's)",
        method="post",
        url=lambda w: reverse("signing:sign", args=[foreign(w).document.public_id]),
        data=lambda w: {"action": "send", "confirm": "on", "channel": "email"},
        # The other client is the signer: without a confirmed address the form answers with its error.
        expect={**dict.fromkeys(ALL_ROLES, 404), Role.OTHER_CLIENT: 200, Role.ANONYMOUS: LOGIN},
    ),
    RouteCase(
        url_name="signing:document_pdf",
        url=lambda w: reverse("signing:document_pdf", args=[named(w).document.public_id]),
        expect=NAMED_ONLY,
    ),
    RouteCase(
        url_name="signing:signed_file",
        url=lambda w: reverse("signing:signed_file", args=[sealed(w).document.public_id]),
        expect=owner_only(),
    ),
    RouteCase(
        url_name="signing:signed_file",
        label="signing:signed_file (foreign)",
        url=lambda w: reverse("signing:signed_file", args=[foreign(w).document.public_id]),
        expect={**owner_only(), Role.OWNER: 404, Role.COMPANY_ADMIN: 404, Role.OTHER_CLIENT: 404},
    ),
    RouteCase(
        url_name="signing:audit_log",
        url=lambda w: reverse("signing:audit_log", args=[named(w).document.public_id]),
        expect=owner_only(),
    ),
    RouteCase(
        url_name="signing:audit_log",
        label="signing:audit_log (foreign)",
        url=lambda w: reverse("signing:audit_log", args=[foreign(w).document.public_id]),
        expect={**owner_only(), Role.OWNER: 404, Role.COMPANY_ADMIN: 404, Role.OTHER_CLIENT: 200},
    ),
    RouteCase(url_name="signing:verify", url=lambda w: reverse("signing:verify"), expect=PUBLIC),
    RouteCase(
        url_name="signing:verify_id",
        url=lambda w: reverse("signing:verify_id", args=[sealed(w).signature_id]),
        expect=PUBLIC,
        markers=lambda w: {w.document.title: set(ALL_ROLES)},
    ),
    RouteCase(
        url_name="signing_staff:queue",
        url=lambda w: (named(w), reverse("signing_staff:queue"))[1],
        expect=STAFF_WITH_RIGHTS,
        markers=lambda w: {w.document.title: {Role.STAFF}},
    ),
    RouteCase(
        url_name="signing_staff:detail",
        url=lambda w: reverse("signing_staff:detail", args=[named(w).public_id]),
        expect=STAFF_WITH_RIGHTS,
    ),
    RouteCase(
        url_name="signing_staff:audit_log",
        url=lambda w: reverse("signing_staff:audit_log", args=[named(w).public_id]),
        expect=STAFF_WITH_RIGHTS,
    ),
    RouteCase(
        url_name="signing_staff:signed_file",
        url=lambda w: reverse("signing_staff:signed_file", args=[sealed(w).public_id]),
        expect=STAFF_WITH_RIGHTS,
    ),
]
