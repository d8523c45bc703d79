"""Writes on accounts."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from kabinet.accounts import codes
from kabinet.accounts.directory import directory, enrolment_contact
from kabinet.accounts.models import ConsentAcceptance, Invitation, SignInSettings, User
from kabinet.accounts.personal_data import personal_data_sources
from kabinet.core.audit import client_ip, record_audit
from kabinet.core.branding import from_email, language_of, portal_title


@transaction.atomic
def set_language(*, actor: User, language: str, request: HttpRequest | None = None) -> User:
    """Store the interface language the user chose; it follows him to every device."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValueError(f"unsupported language {language!r}")
    if actor.language != language:
        actor.language = language
        actor.save(update_fields=["language"])
        record_audit(
            event="account.language_changed", actor=actor, target=actor, request=request, language=language
        )
    return actor


@transaction.atomic
def create_account(
    *,
    actor: User | None,
    email: str,
    password: str | None,
    full_name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
    language: str | None = None,
    password_hash: str | None = None,
) -> User:
    """Create a sign-in account (client or staff) and audit it. ``password_hash``: a password the back
    office's form has already hashed (then ``password`` is None)."""
    user = User.objects.create_user(
        email=email,
        password=password,
        full_name=full_name,
        is_staff=is_staff or is_superuser,
        is_superuser=is_superuser,
        language=language or settings.LANGUAGE_CODE,
    )
    if password_hash:
        user.password = password_hash
        user.save(update_fields=["password"])
    from allauth.account.models import EmailAddress

    # The address staff typed is the account's email identity; the person proves it at his first code.
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    record_audit(event="account.created", actor=actor, target=user, staff=user.is_staff)
    return user


# --- sign-in identities -------------------------------------------------------------------------------------


def user_for_phone(phone: str) -> User | None:
    """The one active account that signs in with ``phone``: its own verified phone, else a verified phone on
    its contact (see "Contact data: one owner" in docs/architecture.md).

    An unverified number signs nobody in; a verified number shared by several accounts belongs to none of them
    for signing in (no code is sent).
    """
    if not phone:
        return None
    own = list(User.objects.filter(phone=phone, phone_verified_at__isnull=False, is_active=True)[:2])
    if len(own) == 1:
        return own[0]
    ids = set(directory().user_ids_by_phone(phone))
    users = list(User.objects.filter(pk__in=ids, is_active=True)[:2]) if ids else []
    return users[0] if len(users) == 1 else None


PHONE_ENROLMENT = "phone_enrolment"  # the purpose of the session-held code (``codes``)
ENROL_PHONE_KEY = "kabinet_enrol_phone"


def offer_phone_enrolment(*, request: HttpRequest | None, phone: str) -> str | None:
    """The code for a number that signs nobody in yet but that a trusted source lets sign in without an
    invitation (``directory.enrolment_contact``: a contact synced from a CRM connection with sign-in by the
    phone on the deal switched on); None when there is no such contact. **No account is made here**: the
    code is held (hashed) in this visitor's session with the number, and only the code typed back makes the
    account (:func:`enrol_by_phone`). Called by the adapter where allauth would tell an unknown number that
    it has no account (after allauth's code limits passed), so the answer stays the same for every number."""
    session = getattr(request, "session", None)
    if session is None or enrolment_contact(phone) is None:
        return None
    code = codes.issue(session, PHONE_ENROLMENT, timeout=settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT)
    session[ENROL_PHONE_KEY] = phone
    return code


def check_phone_enrolment(*, request: HttpRequest, entered: str) -> str | None:
    """The number whose enrolment code this session holds, when ``entered`` is that code (spent then);
    None otherwise (no code held, wrong — allauth counts the attempt as well —, expired)."""
    phone = request.session.get(ENROL_PHONE_KEY)
    if not phone or not codes.pending(request.session, PHONE_ENROLMENT):
        return None
    if codes.check(request.session, PHONE_ENROLMENT, entered) != "ok":
        return None
    request.session.pop(ENROL_PHONE_KEY, None)
    return phone


@transaction.atomic
def enrol_by_phone(*, phone: str, request: HttpRequest | None = None) -> User | None:
    """The account of the one contact a trusted source lets sign in by ``phone`` without an invitation,
    joined to that contact; None when there is no such contact (any more).

    Called only once the SMS code sent to ``phone`` came back (:func:`check_phone_enrolment`), so the phone
    is **verified**; a code never entered leaves nothing behind. The account has no password and has
    accepted no consent text yet: :func:`needs_consent` holds its sessions on the consent step until it
    does. Its email is the contact's first free address, unverified, else an address under ``.invalid``
    (reserved, never delivered) until the person adds his own.
    """
    from allauth.account.models import EmailAddress

    public_id = enrolment_contact(phone)
    card = directory().card(public_id) if public_id else None
    if card is None or card.user_id is not None or User.objects.filter(phone=phone).exists():
        return None
    email = next(
        (
            e
            for e in card.emails
            if account_for_address(e) is None and not EmailAddress.objects.filter(email__iexact=e).exists()
        ),
        f"{secrets.token_hex(8)}@phone.invalid",
    )
    user = User.objects.create_user(email=email, password=None, full_name=card.full_name[:200])
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    directory().link_user(actor=None, contact_public_id=card.public_id, user=user)
    record_audit(
        event="account.enrolled_by_phone", actor=None, target=user, request=request, contact=public_id
    )
    set_phone(actor=user, user=user, phone=phone, verified=True, request=request)  # the code proved it
    return user


def needs_consent(user: User) -> bool:
    """Whether ``user`` must accept the consent text before anything else: an account made by sign-in by
    the phone on the deal that has accepted none yet (sign-up and invitations ask for it on their form).
    Two small queries, asked once per sign-in (``adapter.post_login``)."""
    from kabinet.core.models import AuditEntry

    if user.consents.exists():
        return False
    return AuditEntry.objects.filter(
        event="account.enrolled_by_phone",
        target_type=user._meta.label_lower,
        target_id=str(getattr(user, "public_id", None) or user.pk),
    ).exists()


@transaction.atomic
def set_phone(
    *, actor: User | None, user: User, phone: str, verified: bool, request: HttpRequest | None = None
) -> User:
    """Attach ``phone`` to the account (verified or not). A number another account already uses is not
    taken over; a verified number is also marked verified on the person's contact."""
    taken = User.objects.filter(phone=phone).exclude(pk=user.pk).exists()
    if taken:
        record_audit(event="account.phone_refused", actor=actor, target=user, request=request, reason="taken")
        return user
    changed = user.phone != phone or (verified and user.phone_verified_at is None)
    if not changed:
        return user
    user.phone = phone
    user.phone_verified_at = timezone.now() if verified else None
    user.save(update_fields=["phone", "phone_verified_at"])
    record_audit(
        event="account.phone_verified" if verified else "account.phone_set",
        actor=actor,
        target=user,
        request=request,
    )
    if verified:
        directory().mark_verified(user=user, phone=phone)
    return user


@transaction.atomic
def address_proven(*, user: User, email: str, request: HttpRequest | None = None) -> None:
    """``user`` has just shown he reads ``email`` (a code or a link reached him): the account's address is
    verified, and so is the same address on his client card."""
    from allauth.account.models import EmailAddress

    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None and email.lower() == user.email.lower():
        address = EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    elif address is not None and not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])
    directory().mark_verified(user=user, email=email)


def address_taken(*, user: User, email: str = "", phone: str = "") -> bool:
    """Whether another account already signs in with this email or verified phone."""
    if email:
        owner = account_for_address(email)
        return owner is not None and owner.pk != user.pk
    return User.objects.filter(phone=phone, phone_verified_at__isnull=False).exclude(pk=user.pk).exists()


@transaction.atomic
def add_sign_in_email(*, user: User, email: str, request: HttpRequest | None = None) -> None:
    """A verified address of the person's contact becomes a sign-in email of his account (allauth's
    ``EmailAddress``, verified), unless another account already uses it."""
    from allauth.account.models import EmailAddress

    email = email.strip().lower()
    if address_taken(user=user, email=email):
        return
    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None:
        EmailAddress.objects.create(user=user, email=email, primary=False, verified=True)
    elif not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])
    else:
        return
    record_audit(event="auth.email_verified", actor=user, target=user, request=request, source="contact")


# --- registration ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Consent:
    """The consent text the person saw and accepted: its version, language and exact words."""

    version: int
    language: str
    text: str


def current_consent(language: str | None = None) -> Consent:
    """The consent text in ``language`` (the active one by default); the built-in text if staff wrote none."""
    policy = SignInSettings.current()
    language = (language or translation.get_language() or settings.LANGUAGE_CODE)[:2]
    texts = {t.language: t.text for t in policy.consent_texts.all()}
    text = texts.get(language) or texts.get(settings.LANGUAGE_CODE)
    if not text:
        with translation.override(language):
            text = str(DEFAULT_CONSENT) % {"portal": portal_title()}
    return Consent(version=policy.consent_version, language=language, text=text)


DEFAULT_CONSENT = _(
    "I agree that %(portal)s processes my personal data (name, email, phone and what I send through the "
    "portal) to give me access to my orders, documents and requests and to contact me about them."
)


@transaction.atomic
def record_consent(*, user: User, consent: Consent, request: HttpRequest | None = None) -> ConsentAcceptance:
    """Store that ``user`` accepted ``consent`` now, with the exact text and the version."""
    acceptance = ConsentAcceptance.objects.create(
        user=user,
        version=consent.version,
        language=consent.language,
        text=consent.text,
        ip_address=client_ip(request),
    )
    record_audit(
        event="account.consent_accepted", actor=user, target=user, request=request, version=consent.version
    )
    return acceptance


@transaction.atomic
def sign_up(
    *,
    request: HttpRequest | None,
    email: str,
    password: str,
    full_name: str,
    phone: str,
    consent: Consent,
    user: User | None = None,
) -> User:
    """A self-registration: the account, its phone and the consent (allauth adds the email address, which
    is verified next by code). Runs inside the sign-up form's transaction; every field is validated."""
    user = user or User()
    user.email = email.strip().lower()
    user.full_name = full_name.strip()
    user.language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    if user.language not in {code for code, _name in settings.LANGUAGES}:
        user.language = settings.LANGUAGE_CODE
    user.set_password(password)
    user.save()
    if phone:
        set_phone(actor=user, user=user, phone=phone, verified=False, request=request)
    record_consent(user=user, consent=consent, request=request)
    record_audit(event="account.signed_up", actor=user, target=user, request=request)
    return user


@transaction.atomic
def complete_sign_up(*, request: HttpRequest | None, user: User) -> None:
    """After the new address is verified: join the contact that carries it, so his earlier orders and
    requests appear at once; with no such contact (or several), he becomes a new contact."""
    from allauth.account.models import EmailAddress

    if directory().card_of_user(user) is not None:
        return
    emails = list(EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True))
    phones = [user.phone] if user.phone and user.phone_verified_at else []
    matches = directory().find_unlinked(emails=emails, phones=phones) if (emails or phones) else []
    if len(matches) == 1:
        directory().link_user(actor=user, contact_public_id=matches[0].public_id, user=user)
        record_audit(
            event="account.matched_contact",
            actor=user,
            target=user,
            request=request,
            contact=matches[0].public_id,
        )
    else:
        directory().create_for_user(actor=user, user=user, phone=phones[0] if phones else "")
        record_audit(
            event="account.new_contact", actor=user, target=user, request=request, candidates=len(matches)
        )
    for email in emails:
        directory().mark_verified(user=user, email=email)
    if phones:
        directory().mark_verified(user=user, phone=phones[0])


# --- invitations ------------------------------------------------------------------------------------------

INVITATION_DAYS = 14


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_for_token(token: str) -> Invitation | None:
    """The usable invitation behind a link's token (None if unknown, used, revoked or expired)."""
    invitation = Invitation.objects.filter(token_hash=_token_hash(token)).first()
    return invitation if invitation is not None and invitation.is_usable else None


def account_for_address(email: str) -> User | None:
    """The account an email address belongs to: its sign-in email, or a verified address of the account."""
    from allauth.account.models import EmailAddress

    email = (email or "").strip()
    if not email:
        return None
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        address = (
            EmailAddress.objects.filter(email__iexact=email, verified=True).select_related("user").first()
        )
        user = address.user if address is not None else None
    return user


@transaction.atomic
def create_invitation(
    *,
    actor: User | None,
    email: str,
    full_name: str = "",
    contact_public_id: str = "",
    company_public_id: str = "",
    company_name: str = "",
    role: str = "",
    language: str | None = None,
    request: HttpRequest | None = None,
) -> Invitation:
    """Invite one address to the portal (staff inviting a contact) or to a company (a company admin inviting a
    colleague): a one-time link by email, valid 14 days, of which only a hash is kept.

    If an account already owns the address, the invitation is addressed to that account: he answers it signed
    in as himself, and the email goes out in his language; otherwise in ``language`` (the inviter's). Earlier
    open invitations of the same address to the same place are revoked, so only the newest link works. The
    caller tells the inviter the same thing whoever owns the address.
    """
    email = email.strip().lower()
    invitee = account_for_address(email)
    language = invitee.language if invitee is not None else (language or _active_language())
    now = timezone.now()
    same_place = Invitation.objects.filter(accepted_at=None, revoked_at=None, declined_at=None)
    if contact_public_id and not company_public_id:
        same_place = same_place.filter(contact_public_id=contact_public_id, company_public_id="")
    else:
        same_place = same_place.filter(email__iexact=email, company_public_id=company_public_id)
    same_place.update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        full_name=full_name.strip(),
        contact_public_id=contact_public_id,
        company_public_id=company_public_id,
        company_name=company_name,
        role=role,
        language=language,
        invitee=invitee,
        token_hash=_token_hash(token),
        invited_by=actor,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    record_audit(
        event="account.invited",
        actor=actor,
        target=invitation,
        request=request,
        contact=contact_public_id,
        company=company_public_id,
        existing_account=invitee is not None,
    )
    link = settings.SITE_URL + reverse("accounts:accept_invitation", args=[token])
    transaction.on_commit(lambda: _send_invitation(invitation, link))
    return invitation


@dataclass(frozen=True)
class InvitationReport:
    """What ``invite_contacts`` did: who was invited and who was skipped, with the reason."""

    sent: list[str]
    skipped: list[tuple[str, str]]


@transaction.atomic
def invite_contacts(
    *, actor: User | None, contact_public_ids: list[str], request: HttpRequest | None = None
) -> InvitationReport:
    """Staff invite one contact or a list to set up their portal login (``create_invitation`` for each).

    Skipped: contacts that already have an account, that have no email, or whose email another account
    uses (staff see who is who; the invitation would join the wrong person).
    """
    sent: list[str] = []
    skipped: list[tuple[str, str]] = []
    for public_id in contact_public_ids:
        card = directory().card(public_id)
        if card is None:
            continue
        if card.user_id is not None:
            skipped.append((card.full_name, str(_("already has an account"))))
            continue
        if not card.emails:
            skipped.append((card.full_name, str(_("has no email address"))))
            continue
        email = card.emails[0]
        if account_for_address(email) is not None:
            skipped.append((card.full_name, str(_("this email belongs to another account"))))
            continue
        create_invitation(
            actor=actor, email=email, full_name=card.full_name, contact_public_id=public_id, request=request
        )
        sent.append(card.full_name)
    return InvitationReport(sent=sent, skipped=skipped)


def _send_invitation(invitation: Invitation, link: str) -> None:
    """The invitation email, text and HTML, in the invitee's language and under the portal's name."""
    inviter = invitation.invited_by
    with translation.override(invitation.language or settings.LANGUAGE_CODE):
        context = {
            "name": invitation.invitee.full_name if invitation.invitee else invitation.full_name,
            "link": link,
            "portal_title": portal_title(),
            "days": INVITATION_DAYS,
            "company": invitation.company_name,
            "inviter": (inviter.full_name or inviter.email) if inviter and not inviter.is_staff else "",
            "existing": invitation.invitee is not None,
        }
        subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
        body = render_to_string("accounts/email/invitation_message.txt", context)
        html = render_to_string("accounts/email/invitation_message.html", context)
    send_mail(" ".join(subject.split()), body, from_email(), [invitation.email], html_message=html)


@transaction.atomic
def revoke_invitation(
    *, actor: User | None, invitation: Invitation, request: HttpRequest | None = None
) -> None:
    """Make an invitation's link stop working."""
    if invitation.revoked_at is None and invitation.accepted_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        record_audit(event="account.invitation_revoked", actor=actor, target=invitation, request=request)


def _grant(invitation: Invitation, user: User) -> bool:
    if not invitation.company_public_id:
        return True
    return directory().grant_company_access(
        actor=user, user=user, company_public_id=invitation.company_public_id, role=invitation.role
    )


@transaction.atomic
def accept_invitation(
    *, request: HttpRequest | None, invitation: Invitation, password: str, full_name: str, consent: Consent
) -> User | None:
    """A person without an account follows his invitation: his account is created (email verified: the link
    came by email), joined to his contact (the invited one, else the one unlinked contact carrying that
    address, else a new one), given the company access offered, and his consent stored. None if the
    invitation stopped being usable or an account with that email appeared meanwhile."""
    from allauth.account.models import EmailAddress

    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_usable or invitation.invitee_id or account_for_address(invitation.email):
        return None
    user = User.objects.create_user(
        email=invitation.email,
        password=password,
        full_name=full_name.strip() or invitation.full_name,
        language=_active_language(),
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    record_consent(user=user, consent=consent, request=request)
    card = directory().card(invitation.contact_public_id) if invitation.contact_public_id else None
    if card is None or card.user_id is not None:
        matches = directory().find_unlinked(emails=[user.email])
        card = matches[0] if len(matches) == 1 else None
    if card is not None:
        directory().link_user(actor=user, contact_public_id=card.public_id, user=user)
    else:
        directory().create_for_user(actor=user, user=user)
    directory().mark_verified(user=user, email=user.email)
    _grant(invitation, user)
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    record_audit(event="account.invitation_accepted", actor=user, target=invitation, request=request)
    return user


class InvitationRefused(Exception):
    """The signed-in account may not answer this invitation (it is someone else's, or a staff account)."""


@transaction.atomic
def answer_invitation(
    *, actor: User, invitation: Invitation, accept: bool, request: HttpRequest | None = None
) -> Invitation:
    """The owner of an existing account accepts or declines an invitation to a company, signed in as himself.

    Accepting gives his contact the access offered; no session's active company changes (he switches when he
    wants). Raises ``InvitationRefused`` for anyone but the invited account, and for staff accounts, which are
    never joined to a client company.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_usable or invitation.invitee_id != actor.pk or not invitation.company_public_id:
        raise InvitationRefused
    if accept and actor.is_staff:
        raise InvitationRefused
    if accept:
        _grant(invitation, actor)
        invitation.accepted_at = timezone.now()
        invitation.accepted_user = actor
        invitation.save(update_fields=["accepted_at", "accepted_user"])
    else:
        invitation.declined_at = timezone.now()
        invitation.save(update_fields=["declined_at"])
    record_audit(
        event="account.invitation_accepted" if accept else "account.invitation_declined",
        actor=actor,
        target=invitation,
        request=request,
    )
    return invitation


def _active_language() -> str:
    language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    return language if language in {code for code, _name in settings.LANGUAGES} else settings.LANGUAGE_CODE


# --- staff settings -----------------------------------------------------------------------------------------


@transaction.atomic
def save_sign_in_settings(
    *,
    actor: User | None,
    policy: SignInSettings,
    changed_fields: list[str],
    consent_changed: bool,
    request: HttpRequest | None = None,
) -> SignInSettings:
    """Save the staff's sign-in settings; a changed consent text gets the next version number."""
    policy.pk = 1
    policy.full_clean()
    if consent_changed:
        policy.consent_version = (
            SignInSettings.objects.filter(pk=1).values_list("consent_version", flat=True).first() or 0
        ) + 1
    policy.save()
    record_audit(
        event="settings.sign_in_changed",
        actor=actor,
        target=policy,
        request=request,
        fields=sorted(changed_fields),
        consent_version=policy.consent_version if consent_changed else None,
    )
    return policy


# --- sessions, export, deletion ---------------------------------------------------------------------------

DELETE_PURPOSE = "delete_account"


def record_sessions_ended(*, actor: User, request: HttpRequest, count: int) -> None:
    record_audit(event="auth.other_sessions_ended", actor=actor, target=actor, request=request, count=count)


# What changed a person's way in: staff lose their other sessions at once, a client is offered to end them.
CREDENTIALS_PASSWORD = "password"  # noqa: S105 (the name of a change, not a secret)
CREDENTIALS_MFA = "mfa"
OFFER_END_SESSIONS_KEY = "kabinet_offer_end_sessions"


@transaction.atomic
def end_sessions(
    *, actor: User, user: User, session_keys: list[str], request: HttpRequest | None, reason: str
) -> int:
    """End the given sessions of ``user`` (deleted from the session store, so every tab and socket of them is
    signed out) and audit how many. The current session of ``request`` is never among them. Returns the count.
    """
    from allauth.usersessions.models import UserSession

    current = getattr(getattr(request, "session", None), "session_key", None)
    sessions = list(
        UserSession.objects.filter(user=user, session_key__in=session_keys).exclude(session_key=current)
    )
    for session in sessions:
        session.end()  # allauth's public API: deletes the session from the store and the row
    if sessions:
        record_audit(
            event="auth.other_sessions_ended",
            actor=actor,
            target=user,
            request=request,
            count=len(sessions),
            reason=reason,
        )
    return len(sessions)


def other_session_keys(*, user: User, request: HttpRequest | None) -> list[str]:
    """The keys of ``user``'s tracked sessions other than the one of ``request``."""
    from allauth.usersessions.models import UserSession

    current = getattr(getattr(request, "session", None), "session_key", None)
    return list(
        UserSession.objects.filter(user=user)
        .exclude(session_key=current)
        .values_list("session_key", flat=True)
    )


def credentials_changed(*, user: User, request: HttpRequest | None, change: str) -> int:
    """The password or the two-factor setup of ``user`` changed (ASVS 7.4.3).

    A password is part of every session's auth hash, so Django signs the other sessions out anyway; they are
    deleted from the store here at once, for everybody. A two-factor change ends staff's other sessions
    (a session that signed in before it may be the attacker's); a client is offered to end them on the
    sessions page. Returns how many sessions were ended.
    """
    others = other_session_keys(user=user, request=request)
    if not others:
        return 0
    if change == CREDENTIALS_PASSWORD or user.is_staff:
        return end_sessions(actor=user, user=user, session_keys=others, request=request, reason=change)
    session = getattr(request, "session", None)
    if session is not None:
        session[OFFER_END_SESSIONS_KEY] = change
    return 0


def record_export(*, actor: User, request: HttpRequest) -> None:
    record_audit(event="account.data_exported", actor=actor, target=actor, request=request)


def record_code_rejected(*, actor: User, request: HttpRequest, purpose: str, outcome: str) -> None:
    record_audit(
        event="auth.code_rejected",
        actor=actor,
        target=actor,
        request=request,
        purpose=purpose,
        outcome=outcome,
    )


def send_account_code(*, request: HttpRequest, user: User) -> None:
    """A fresh 6-digit code for deleting the account, by email (replaces an earlier one)."""
    code = codes.issue(request.session, DELETE_PURPOSE)
    with translation.override(language_of(user)):
        context = {"code": code, "portal_title": portal_title(), "user": user}
        subject = render_to_string("accounts/email/delete_code_subject.txt", context).strip()
        body = render_to_string("accounts/email/delete_code_message.txt", context)
    # Like the sign-in codes, the code lives in the session: it goes out now, not after a commit.
    send_mail(subject, body, from_email(), [user.email])
    record_audit(
        event="auth.code_sent",
        actor=user,
        target=user,
        request=request,
        channel="email",
        purpose=DELETE_PURPOSE,
    )


@transaction.atomic
def delete_account(*, actor: User, user: User, request: HttpRequest | None = None) -> User:
    """Erase the person: every app anonymises its personal data (business records stay), then the account
    itself keeps only an anonymous shell so the audit log and history still point somewhere."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.usersessions.models import UserSession

    for source in personal_data_sources():
        if source.erase is not None:
            source.erase(user, actor)
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    for session in UserSession.objects.filter(user=user):
        session.end()
    ConsentAcceptance.objects.filter(user=user).update(ip_address=None)
    anonymous = f"deleted-{user.public_id.lower()}@deleted.invalid"
    Invitation.objects.filter(accepted_user=user).update(email=anonymous, full_name="")
    user.email = anonymous
    user.full_name = ""
    user.phone = ""
    user.phone_verified_at = None
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    record_audit(event="account.deleted", actor=actor, target=user, request=request)
    return user
