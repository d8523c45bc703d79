"""Sign-in, sign-out, invitations, the company choice after sign-in, and the account pages.

The flows themselves (codes, verification, two-factor, password reset) are django-allauth's, configured in
settings and extended by ``kabinet.accounts.adapter`` and ``forms``; these views add Kabinet's pages.
"""

from __future__ import annotations

from allauth.account import views as allauth_views
from allauth.account.adapter import get_adapter
from allauth.account.decorators import reauthentication_required, verified_email_required
from allauth.account.models import EmailAddress
from allauth.account.utils import perform_login
from allauth.core import ratelimit
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as django_logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from kabinet.accounts import actions, codes, session_policy
from kabinet.accounts.directory import directory
from kabinet.accounts.export import build_export
from kabinet.accounts.forms import (
    AcceptInvitationForm,
    ConsentForm,
    DeleteAccountForm,
    InvitationAnswerForm,
    SignInForm,
)
from kabinet.accounts.models import RegistrationMode, SignInSettings
from kabinet.accounts.phones import masked


class SignInView(allauth_views.LoginView):
    """The one sign-in page: "email or phone" first, then password or a one-time code."""

    template_name = "accounts/login.html"
    form_class = SignInForm

    def get_form_class(self):
        return SignInForm

    def form_valid(self, form: SignInForm) -> HttpResponse:
        if form.needs_password_step:
            return self.render_to_response(self.get_context_data(form=form, step="password"))
        return super().form_valid(form)

    def form_invalid(self, form: SignInForm) -> HttpResponse:
        step = "password" if form.method == "email" and form.action == "password" else "identify"
        return self.render_to_response(self.get_context_data(form=form, step=step))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("step", "identify")
        context["signup_open"] = SignInSettings.current().registration_mode == RegistrationMode.OPEN
        return context


class ConfirmLoginCodeView(allauth_views.ConfirmLoginCodeView):
    """allauth's "enter the code" page, which also takes the code sent to a number that signs nobody in yet
    but may sign in by the phone on the deal (``actions.offer_phone_enrolment``): that code, right, makes
    the account now (``actions.enrol_by_phone``) and signs it in. Any other code is allauth's to judge (a
    wrong one counts against allauth's attempts, which end the pending sign-in for both)."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.POST.get("action", "verify") == "verify":
            phone = actions.check_phone_enrolment(request=request, entered=request.POST.get("code", ""))
            user = actions.enrol_by_phone(phone=phone, request=request) if phone else None
            if user is not None:
                return perform_login(
                    request, user, email_verification="none", redirect_url=self.get_next_url()
                )
        return super().post(request, *args, **kwargs)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest) -> HttpResponse:
    """The consent step an account that has accepted no consent text meets at sign-in; until it accepts,
    the session is held here (``session_policy.Verdict.CONSENT``)."""
    if not actions.needs_consent(request.user):
        session_policy.consent_given(request.session)
        return HttpResponseRedirect(reverse("portal:home"))
    form = ConsentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        actions.record_consent(user=request.user, consent=form.consent, request=request)
        session_policy.consent_given(request.session)
        return HttpResponseRedirect(get_adapter(request).get_login_redirect_url(request))
    return render(request, "accounts/consent.html", {"form": form})


@method_decorator(never_cache, name="dispatch")
class LogoutView(allauth_views.LogoutView):
    """GET: a branded "sign out?" page; POST: the session is flushed on the server, then the sign-in page."""

    template_name = "accounts/logout.html"

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return HttpResponseRedirect(reverse("accounts:login"))
        return render(request, self.template_name)

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            django_logout(request)  # deletes the session from the store; audited by the signal receiver
            messages.info(request, _("You have signed out."))
        return HttpResponseRedirect(reverse("accounts:login"))


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; signed-in users keep the choice on their account."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language not in dict(translation.trans_real.get_languages()):
        return response
    if request.user.is_authenticated:
        actions.set_language(actor=request.user, language=language, request=request)
    translation.activate(language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.LANGUAGE_COOKIE_SECURE or settings.SESSION_COOKIE_SECURE,
    )
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The page an invitation email links to.

    To a new person: choose a password, accept the consent, and you are in. To an address that belongs to an
    account: sign in as yourself, then accept or decline; nobody else, signed in or not, learns anything.
    """
    invitation = actions.invitation_for_token(token)
    mode = SignInSettings.current().registration_mode
    if invitation is None or (mode == RegistrationMode.CLOSED and invitation.invitee_id is None):
        return render(
            request,
            "accounts/invitation_invalid.html",
            {"closed": mode == RegistrationMode.CLOSED},
            status=404,
        )
    if invitation.invitee_id is not None:
        return _answer_invitation(request, invitation)
    if request.user.is_authenticated:
        return render(request, "accounts/invitation_signed_in.html", status=409)
    form = AcceptInvitationForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        user = actions.accept_invitation(
            request=request,
            invitation=invitation,
            password=form.cleaned_data["password1"],
            full_name=form.cleaned_data["full_name"],
            consent=form.consent,
        )
        if user is None:
            form.add_error(None, _("An account with this email already exists. Sign in instead."))
        else:
            return perform_login(request, user, email_verification="none", signup=True, email=user.email)
    return render(request, "accounts/invitation.html", {"form": form, "invitation": invitation})


def _answer_invitation(request: HttpRequest, invitation) -> HttpResponse:
    if not request.user.is_authenticated:
        messages.info(request, _("Sign in to answer the invitation."))
        return HttpResponseRedirect(f"{reverse('accounts:login')}?next={request.path}")
    if request.user.pk != invitation.invitee_id:
        return render(request, "accounts/invitation_signed_in.html", status=409)
    form = InvitationAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        try:
            actions.answer_invitation(
                actor=request.user, invitation=invitation, accept=accept, request=request
            )
        except actions.InvitationRefused:
            messages.error(request, _("A staff account cannot join a client company."))
        else:
            if accept:
                messages.success(
                    request,
                    _(
                        "You now have access to %(company)s. Switch to it at the top of the page when you need it."
                    )
                    % {"company": invitation.company_name},
                )
            else:
                messages.info(request, _("You declined the invitation."))
        return HttpResponseRedirect(reverse("portal:home"))
    return render(
        request,
        "accounts/invitation_answer.html",
        {"invitation": invitation, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def choose_company(request: HttpRequest) -> HttpResponse:
    """After sign-in, a client of several companies picks the one to work for (switchable at any time)."""
    viewer = request.viewer
    if len(viewer.companies) < 2:
        return HttpResponseRedirect(reverse("portal:home"))
    return render(request, "accounts/choose_company.html", {"companies": viewer.companies})


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """My account: who I am, how I sign in, and what I can do with my account."""
    user = request.user
    context = {
        "primary_email": EmailAddress.objects.filter(user=user, primary=True).first(),
        "has_totp": Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists(),
        "phone_display": masked(user.phone) if user.phone else "",
    }
    return render(request, "accounts/overview.html", context)


@login_required
def identities(request: HttpRequest) -> HttpResponse:
    """Every way this account signs in, and the addresses of his client card that will once confirmed.

    The contact owns the person's emails and phones (docs/architecture.md, "Contact data: one owner"): this
    page shows the same list as "My data", and which of them sign in.
    """
    user = request.user
    card = directory().card_of_user(user)
    contact_phones = [
        {"phone": p, "verified": p in card.verified_phones}
        for p in (card.phones if card else ())
        if p != user.phone
    ]
    emails = list(EmailAddress.objects.filter(user=user).order_by("-primary", "email"))
    sign_in = {e.email.lower() for e in emails}
    contact_emails = [
        e for e in (card.emails if card else ()) if e.lower() not in sign_in and e != user.email.lower()
    ]
    return render(
        request,
        "accounts/identities.html",
        {
            "emails": emails,
            "contact_phones": contact_phones,
            "contact_emails": contact_emails,
            "authenticators": list(Authenticator.objects.filter(user=user).order_by("type")),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def sessions(request: HttpRequest) -> HttpResponse:
    """My sessions: device, browser, place (IP) and last activity; end one of them, or all others."""
    from kabinet.accounts.sessions import session_key_for, sessions_of

    user = request.user
    current = request.session.session_key
    if request.method == "POST":
        if request.POST.get("action") == "end_one":
            key = session_key_for(user, str(request.POST.get("session", ""))[:64])
            if key is None or key == current:
                raise Http404  # unknown, someone else's, or this one (signing out is the way to end it)
            actions.end_sessions(actor=user, user=user, session_keys=[key], request=request, reason="chosen")
            messages.success(request, _("The session was ended."))
        else:
            ended = actions.end_sessions(
                actor=user,
                user=user,
                session_keys=actions.other_session_keys(user=user, request=request),
                request=request,
                reason="all_others",
            )
            messages.success(
                request,
                ngettext(
                    "Signed out on %(count)d other device.", "Signed out on %(count)d other devices.", ended
                )
                % {"count": ended},
            )
        request.session.pop(actions.OFFER_END_SESSIONS_KEY, None)
        return HttpResponseRedirect(reverse("accounts:sessions"))
    rows = sessions_of(user, current_key=current)
    return render(
        request,
        "accounts/sessions.html",
        {
            "sessions": rows,
            "session_count": len(rows),
            "offer": request.session.get(actions.OFFER_END_SESSIONS_KEY) and len(rows) > 1,
        },
    )


@login_required
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """A staff member's first step towards two-factor: the email is proven by a code first.

    allauth refuses to activate an authenticator while the account has an unverified address (so that
    nobody locks the owner of an address out); an account staff created has one. Its owner proves it here,
    inside the flow (the code goes to the address), and goes on to the authenticator setup.
    """
    unverified = EmailAddress.objects.filter(user=request.user, verified=False).exists()
    if unverified and not EmailAddress.objects.filter(user=request.user, verified=True).exists():
        # allauth's public decorator sends the code and shows the code page, then comes back here.
        try:
            return verified_email_required(lambda r: HttpResponseRedirect(reverse("mfa_activate_totp")))(
                request
            )
        except ImmediateHttpResponse as answer:
            if answer.response.status_code != 429:
                raise
            # A code went out moments ago (the page was opened again): back to entering it, not a bare 429.
            return HttpResponseRedirect(
                reverse("account_email_verification_sent") + "?" + urlencode({"next": request.path})
            )
    return HttpResponseRedirect(reverse("mfa_activate_totp"))


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    """Delete my account: a code goes to my email, and entering it erases my personal data."""
    user = request.user
    form = DeleteAccountForm(request.POST or None)
    sent = codes.pending(request.session, actions.DELETE_PURPOSE)
    if request.method == "POST" and request.POST.get("action") == "send":
        if not ratelimit.consume(request, action="delete_account", user=user):
            messages.error(request, _("Too many requests. Wait a minute and try again."))
        else:
            actions.send_account_code(request=request, user=user)
            messages.info(
                request,
                _("We sent a code to %(email)s. Enter it below to delete your account.")
                % {"email": user.email},
            )
        return HttpResponseRedirect(reverse("accounts:delete"))
    if request.method == "POST" and form.is_valid():
        outcome = codes.check(request.session, actions.DELETE_PURPOSE, form.cleaned_data["code"])
        if outcome == "ok":
            actions.delete_account(actor=user, user=user, request=request)
            django_logout(request)
            messages.info(request, _("Your account has been deleted. Your personal data has been removed."))
            return HttpResponseRedirect(reverse("accounts:login"))
        actions.record_code_rejected(
            actor=user, request=request, purpose=actions.DELETE_PURPOSE, outcome=outcome
        )
        form.add_error(
            "code",
            {
                "wrong": _("The code is not correct. Check it and try again, or ask for a new one."),
                "expired": _("The code has expired or was already used. Ask for a new one."),
                "too_many": _("Too many wrong codes. Ask for a new one."),
            }[outcome],
        )
        sent = codes.pending(request.session, actions.DELETE_PURPOSE)
    return render(request, "accounts/delete.html", {"form": form, "sent": sent})


@login_required
def export_page(request: HttpRequest) -> HttpResponse:
    """Download my data: what is in the archive, and the button."""
    return render(request, "accounts/export.html")


@login_required
@require_http_methods(["GET"])
@reauthentication_required
def export_download(request: HttpRequest) -> HttpResponse:
    """A ZIP of JSON files and my files; audited."""
    archive = build_export(request.user)
    actions.record_export(actor=request.user, request=request)
    return FileResponse(
        archive, as_attachment=True, filename="kabinet-my-data.zip", content_type="application/zip"
    )
