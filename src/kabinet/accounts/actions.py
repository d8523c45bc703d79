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
from kabinet.accounts.directory import directory
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
) -> User:
    """Create a sign-in account (client or staff) and audit it."""
    user = User.objects.create_user(
        email=email,
        password=password,
        full_name=full_name,
        is_staff=is_staff or is_superuser,
        is_superuser=is_superuser,
        language=language or settings.LANGUAGE_CODE,
    )
    from allauth.account.models import EmailAddress

    # The address staff typed is the account's email identity; the person proves it at his first code.
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    record_audit(event="account.created", actor=actor, target=user, staff=user.is_staff)
    return user


# --- sign-in identities -------------------------------------------------------------------------------------


def user_for_phone(phone: str) -> User | None:
    """The one active account that signs in with ``phone``: its own phone, else a phone on its contact.

    A number shared by several accounts' contacts belongs to none of them for signing in (no code is sent).
    """
    if not phone:
        return None
    own = list(User.objects.filter(phone=phone, is_active=True)[:2])
    if len(own) == 1:
        return own[0]
    ids = set(directory().user_ids_by_phone(phone))
    users = list(User.objects.filter(pk__in=ids, is_active=True)[:2]) if ids else []
    return users[0] if len(users) == 1 else None


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


@dataclass(frozen=True)
class InvitationReport:
    """What ``invite_contacts`` did: who was invited and who was skipped, with the reason."""

    sent: list[str]
    skipped: list[tuple[str, str]]


@transaction.atomic
def invite_contacts(
    *, actor: User | None, contact_public_ids: list[str], request: HttpRequest | None = None
) -> InvitationReport:
    """Invite one contact or a list: each gets an email with a link to set up his login (valid 14 days).

    Skipped: contacts that already have an account, that have no email, or whose email another account
    uses. Earlier open invitations of the same contact are revoked, so only the newest link works.
    """
    sent: list[str] = []
    skipped: list[tuple[str, str]] = []
    now = timezone.now()
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
        if User.objects.filter(email__iexact=email).exists():
            skipped.append((card.full_name, str(_("this email belongs to another account"))))
            continue
        Invitation.objects.filter(contact_public_id=public_id, accepted_at=None, revoked_at=None).update(
            revoked_at=now
        )
        token = secrets.token_urlsafe(32)
        invitation = Invitation.objects.create(
            email=email,
            full_name=card.full_name,
            contact_public_id=public_id,
            token_hash=_token_hash(token),
            invited_by=actor,
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
        record_audit(
            event="account.invited", actor=actor, target=invitation, request=request, contact=public_id
        )
        link = settings.SITE_URL + reverse("accounts:accept_invitation", args=[token])
        transaction.on_commit(lambda e=email, n=card.full_name, u=link: _send_invitation(e, n, u))
        sent.append(card.full_name)
    return InvitationReport(sent=sent, skipped=skipped)


def _send_invitation(email: str, name: str, link: str) -> None:
    with translation.override(language_of(User.objects.filter(email__iexact=email).first())):
        context = {"name": name, "link": link, "portal_title": portal_title(), "days": INVITATION_DAYS}
        subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
        body = render_to_string("accounts/email/invitation_message.txt", context)
    send_mail(subject, body, from_email(), [email])


@transaction.atomic
def revoke_invitation(
    *, actor: User | None, invitation: Invitation, request: HttpRequest | None = None
) -> None:
    """Make an invitation's link stop working."""
    if invitation.revoked_at is None and invitation.accepted_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        record_audit(event="account.invitation_revoked", actor=actor, target=invitation, request=request)


@transaction.atomic
def accept_invitation(
    *, request: HttpRequest | None, invitation: Invitation, password: str, full_name: str, consent: Consent
) -> User | None:
    """Create the invited person's account (email verified: the link came by email), join it to his
    contact and store his consent. None if an account with that email appeared meanwhile."""
    from allauth.account.models import EmailAddress

    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_usable or User.objects.filter(email__iexact=invitation.email).exists():
        return None
    user = User.objects.create_user(
        email=invitation.email,
        password=password,
        full_name=full_name.strip() or invitation.full_name,
        language=_active_language(),
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    record_consent(user=user, consent=consent, request=request)
    card = directory().card(invitation.contact_public_id)
    if card is not None and card.user_id is None:
        directory().link_user(actor=user, contact_public_id=card.public_id, user=user)
        directory().mark_verified(user=user, email=user.email)
    else:
        directory().create_for_user(actor=user, user=user)
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    record_audit(event="account.invitation_accepted", actor=user, target=invitation, request=request)
    return user


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
