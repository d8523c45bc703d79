"""Kabinet's allauth adapter: phones on the client's contact, SMS through the provider contract, the staff's
registration mode, per-(IP, account) rate limits, layout hints, session policy and the steps after sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.core import ratelimit
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kabinet.accounts import actions, session_policy
from kabinet.accounts.layout import switched
from kabinet.accounts.models import RegistrationMode, SignInSettings, User
from kabinet.accounts.phones import PhoneField
from kabinet.core.audit import client_ip, record_audit
from kabinet.core.branding import from_email, language_of, portal_title
from kabinet.core.providers.sms import SmsMessage, deliver


@dataclass(frozen=True)
class PortalSite:
    """What allauth's email templates read as ``current_site``: the portal's name and address."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": _("The email or password is not correct."),
        "phone_password_mismatch": _("The phone or password is not correct."),
        "incorrect_code": _("The code is not correct. Check it and try again, or ask for a new one."),
        "invalid_login": _("Enter your email or phone number."),
        "too_many_login_attempts": _(
            "Too many attempts. Wait a few minutes, or sign in with a one-time code instead."
        ),
        "rate_limited": _("Too many requests. Wait a minute and try again."),
        "email_taken": _("An account with this email already exists. Sign in instead."),
        "phone_taken": _("This phone number belongs to another account."),
        "account_inactive": _("This account is disabled."),
        "same_as_current": _("The new value must be different from the current one."),
    }

    # --- registration ------------------------------------------------------------------------------------

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return SignInSettings.current().registration_mode == RegistrationMode.OPEN

    def save_user(self, request: HttpRequest, user: AbstractBaseUser, form: Any, commit: bool = True):
        """The form has validated everything; the account, its phone and the consent are written at once."""
        return actions.sign_up(
            request=request,
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            full_name=form.cleaned_data.get("full_name", ""),
            phone=form.cleaned_data.get("phone") or "",
            consent=form.consent,
            user=user,
        )

    def get_user_search_fields(self) -> list[str]:
        return ["email", "full_name"]

    # --- phone numbers: the account's phone, else a phone on the client's contact -------------------------

    def phone_form_field(self, **kwargs: Any) -> Any:
        return PhoneField(**kwargs)

    def get_phone(self, user: AbstractBaseUser) -> tuple[str, bool] | None:
        if not getattr(user, "phone", ""):
            return None
        return user.phone, user.phone_verified_at is not None

    def set_phone(self, user: AbstractBaseUser, phone: str, verified: bool) -> None:
        actions.set_phone(actor=user, user=user, phone=phone, verified=verified, request=self.request)

    def set_phone_verified(self, user: AbstractBaseUser, phone: str) -> None:
        actions.set_phone(actor=user, user=user, phone=phone, verified=True, request=self.request)

    def get_user_by_phone(self, phone: str) -> AbstractBaseUser | None:
        return actions.user_for_phone(phone)

    def send_verification_code_sms(
        self, user: AbstractBaseUser, phone: str, code: str, **kwargs: Any
    ) -> None:
        self._send_code_sms(user, phone, code)

    def _send_code_sms(self, user: AbstractBaseUser | None, phone: str, code: str) -> None:
        with translation.override(language_of(user) if user is not None else translation.get_language()):
            text = gettext(
                "%(code)s is your sign-in code for %(portal)s. It is valid for 10 minutes. Never tell it to anyone."
            ) % {
                "code": code,
                "portal": portal_title(),
            }
        # The code lives in the session, not in a database transaction: it goes out now (as allauth's emails do).
        deliver(SmsMessage(to=phone, text=text, purpose="verification_code"))
        record_audit(event="auth.code_sent", actor=user, target=user, request=self.request, channel="sms")

    def send_unknown_account_sms(self, phone: str, **kwargs: Any) -> None:
        """No text to numbers without an account: strangers are not spammed and nothing is revealed. The one
        exception is a number a trusted source lets sign in without an invitation (sign-in by the phone on
        the deal): it gets a code held in the session, and the account is made only when the code comes
        back (``views.ConfirmLoginCodeView``). The page that follows is the same either way."""
        code = actions.offer_phone_enrolment(request=self.request, phone=phone)
        if code is not None:
            self._send_code_sms(None, phone, code)

    def send_account_already_exists_sms(self, phone: str) -> None:
        """Nothing is sent either: the sign-up simply does not attach a number someone else has."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's emails (codes, password reset, address confirmation) in the account's language and under
        the portal's name: the greeting once read "Hello from 127.0.0.1:8802"."""
        if template_prefix == "account/email/login_code":
            record_audit(
                event="auth.code_sent", actor=context.get("user"), request=self.request, channel="email"
            )
        user = context.get("user")
        # An address without an account (no user): the visitor's own page language is the best guess.
        language = language_of(user) if getattr(user, "pk", None) else translation.get_language()
        with translation.override(language):
            title = portal_title()
            context.setdefault("portal_title", title)
            context["current_site"] = PortalSite(name=title, domain=settings.SITE_URL)
            super().send_mail(template_prefix, email, context)

    def format_email_subject(self, subject: str) -> str:
        # allauth prefixes "[<host name>]"; Kabinet's subjects name the portal themselves, others get its name.
        title = portal_title()
        return subject if title in subject else f"{title}: {subject}"

    def get_from_email(self) -> str:
        return from_email()

    # --- password attempts: limited per (IP, account) and, far higher, per account ------------------------

    # allauth's own "login_failed" limit counts per IP only (settings); the per-(IP, account) and per-account
    # counters are Kabinet's, kept through allauth's public rate-limit API under actions of their own.

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        login = _login_of(credentials)
        if not ratelimit.consume(request, action="login_failed_account", key=login, dry_run=True):
            record_audit(event="auth.rate_limited", request=request, limit="account", login=login[:80])
            raise self.validation_error("too_many_login_attempts")
        if not ratelimit.consume(
            request, action="login_failed_ip_account", key=_ip_and_login(request, login), dry_run=True
        ):
            record_audit(event="auth.rate_limited", request=request, limit="ip_account", login=login[:80])
            raise self.validation_error("too_many_login_attempts")
        try:
            super().pre_authenticate(request, **credentials)
        except Exception:
            record_audit(event="auth.rate_limited", request=request, limit="ip", login=login[:80])
            raise

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        login = _login_of(credentials)
        ratelimit.consume(request, action="login_failed_account", key=login)
        ratelimit.consume(request, action="login_failed_ip_account", key=_ip_and_login(request, login))
        request._kabinet_layout_hint = layout_hint(login, credentials.get("password", ""))
        record_audit(event="auth.login_failed", request=request, method="password", login=login[:80])

    # --- signing in ----------------------------------------------------------------------------------------

    def get_login_stages(self) -> list[str]:
        return [
            "kabinet.accounts.stages.SignUpEmailVerificationStage"
            if path == "allauth.account.stages.EmailVerificationStage"
            else path
            for path in super().get_login_stages()
        ]

    def login(self, request: HttpRequest, user: AbstractBaseUser) -> None:
        super().login(request, user)  # django.contrib.auth.login: a new session id
        session_policy.start(request, user)

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        # The person proved who he is a moment ago: within allauth's "recent authentication" window that
        # counts as re-authentication, so setting up two-factor right after signing in asks no password.
        if session_policy.signed_in_within(self.request, settings.ACCOUNT_REAUTHENTICATION_TIMEOUT):
            return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def confirm_email(self, request: HttpRequest, email_address) -> bool:
        confirmed = super().confirm_email(request, email_address)
        if confirmed:
            actions.address_proven(user=email_address.user, email=email_address.email, request=request)
        return confirmed

    def post_login(self, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any) -> HttpResponse:
        records = get_authentication_records(request, user)
        code = next((r for r in reversed(records) if isinstance(r, dict) and r.get("method") == "code"), None)
        if code and code.get("email"):  # a code that reached the mailbox proves the address
            actions.address_proven(user=user, email=code["email"], request=request)
        if kwargs.get("signup"):
            actions.complete_sign_up(request=request, user=user)
        if actions.needs_consent(user):
            session_policy.require_consent(request.session)
        response = super().post_login(request, user, **kwargs)
        held = session_policy.hold_url(session_policy.evaluate(request.session, user))
        return HttpResponseRedirect(held) if held else response

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        viewer = getattr(request, "viewer", None)
        if viewer is not None and len(getattr(viewer, "companies", ())) > 1:
            return reverse("accounts:choose_company")
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return self.get_login_redirect_url(request)

    def logout(self, request: HttpRequest) -> None:
        super().logout(request)  # flushes the session in the store, not only the cookie

    def add_message(
        self, request, level, message_template=None, message_context=None, extra_tags="", message=None
    ):
        # allauth announces every sign-in and sign-out; the portal shows what matters only.
        if message_template in {"account/messages/logged_in.txt", "account/messages/logged_out.txt"}:
            return
        super().add_message(request, level, message_template, message_context, extra_tags, message)


def _login_of(credentials: dict[str, Any]) -> str:
    return (credentials.get("email") or credentials.get("phone") or "").lower()


def _ip_and_login(request: HttpRequest, login: str) -> str:
    return f"{client_ip(request) or '-'}:{login}"


def layout_hint(login: str, password: str) -> str | None:
    """After a failed password: ``"en"`` or ``"ru"`` when the same keys in the other keyboard layout are the
    account's password (the person typed it with the wrong layout on), else None. Signs nobody in."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password

    variant = switched(password or "")
    if variant is None:
        return None
    if "@" in login:
        user = User.objects.filter(email__iexact=login, is_active=True).first()
        if user is None:
            address = EmailAddress.objects.filter(email__iexact=login).select_related("user").first()
            user = address.user if address else None
    else:
        user = actions.user_for_phone(login)
    if user is None or not user.has_usable_password():
        make_password(variant[0])  # the same work as for a real account: the timing tells nothing
        return None
    return variant[1] if user.check_password(variant[0]) else None
