"""Proving an email or phone a client put on "My data": a six-digit code to that address, entered back.

The code lives hashed in the session (``accounts.codes``), valid 10 minutes, 5 tries; the address it was sent
to is kept beside it, so a code proves only that address. Sending is rate limited per address and per IP.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from kabinet.accounts import codes
from kabinet.accounts.actions import portal_title
from kabinet.core.audit import record_audit
from kabinet.core.providers.sms import SmsMessage, deliver
from kabinet.crm.models import Contact

PURPOSE = "verify_contact_address"
ADDRESS_KEY = "kabinet_verify_address"


def unverified_address(contact: Contact, value: str) -> tuple[str, str] | None:
    """("email" | "phone", address) when ``value`` is one of the contact's addresses not verified yet."""
    value = (value or "").strip()
    if not value or len(value) > 254:
        return None
    for row in contact.emails.all():
        if row.email == value.lower() and row.verified_at is None:
            return "email", row.email
    for row in contact.phones.all():
        if row.phone == value and row.verified_at is None:
            return "phone", row.phone
    return None


def send_code(*, request: HttpRequest, contact: Contact, kind: str, address: str) -> None:
    """A fresh code to ``address`` (replacing an earlier one), in the person's language."""
    code = codes.issue(request.session, PURPOSE)
    request.session[ADDRESS_KEY] = {"kind": kind, "address": address}
    user = request.user
    with translation.override(getattr(user, "language", None) or settings.LANGUAGE_CODE):
        context = {"code": code, "portal_title": portal_title(), "user": user}
        if kind == "email":
            subject = render_to_string("crm/email/verify_address_subject.txt", context).strip()
            body = render_to_string("crm/email/verify_address_message.txt", context)
        else:
            text = gettext(
                "%(code)s is your code to confirm this phone for %(portal)s. It is valid for 10 minutes."
            ) % {"code": code, "portal": portal_title()}
    # Like the sign-in codes, the code lives in the session: it goes out now, not after a commit.
    if kind == "email":
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    else:
        deliver(SmsMessage(to=address, text=text, purpose="verification_code"))
    record_audit(
        event="auth.code_sent", actor=user, target=contact, request=request, channel=kind, purpose=PURPOSE
    )


def pending_address(request: HttpRequest) -> dict[str, str] | None:
    """The address the current code was sent to, while the code is valid."""
    if not codes.pending(request.session, PURPOSE):
        return None
    return request.session.get(ADDRESS_KEY)
