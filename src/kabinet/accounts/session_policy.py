"""Session lifetime and the staff's two-factor rule, enforced on every request without extra queries.

At sign-in the session records when it started and the staff's idle timeout and absolute lifetime (read
once from ``SignInSettings``); each request compares the clock against them. Every way in (password, codes,
invitation, two-factor, the back office) passes through the adapter's ``login``, which stamps the session;
a session without the stamp (``Client.force_login`` in tests) is left alone. Activity is stamped at most once
a minute, so the session store is not written on every page.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kabinet.accounts.models import SignInSettings
from kabinet.core.audit import record_audit

AUTH_AT_KEY = "kabinet_auth_at"
SEEN_AT_KEY = "kabinet_seen_at"
POLICY_KEY = "kabinet_session_policy"
MFA_SETUP_KEY = "kabinet_mfa_setup_required"
DEFAULT_IDLE_MINUTES = 30
DEFAULT_LIFETIME_HOURS = 12
SEEN_RESOLUTION_SECONDS = 60


def start(request: HttpRequest, user) -> None:
    """Called right after Django's ``login`` (new session id): stamp the session with the policy."""
    policy = SignInSettings.current()
    now = time.time()
    request.session[AUTH_AT_KEY] = now
    request.session[SEEN_AT_KEY] = now
    request.session[POLICY_KEY] = {
        "idle": policy.idle_timeout_minutes * 60,
        "lifetime": policy.absolute_lifetime_hours * 3600,
    }
    request.session.set_expiry(policy.absolute_lifetime_hours * 3600)
    if user.is_staff and not _has_mfa(user):
        request.session[MFA_SETUP_KEY] = True


def signed_in_within(request: HttpRequest | None, seconds: float) -> bool:
    """Whether this session signed in (through the adapter's ``login``) less than ``seconds`` ago."""
    session = getattr(request, "session", None)
    started = session.get(AUTH_AT_KEY) if session is not None else None
    return started is not None and time.time() - started < seconds


def _has_mfa(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def mfa_setup_required(request: HttpRequest) -> bool:
    return bool(request.session.get(MFA_SETUP_KEY))


def expired(session, now: float) -> str | None:
    """``"idle"`` or ``"lifetime"`` when the session must end, else None."""
    policy = session.get(POLICY_KEY) or {
        "idle": DEFAULT_IDLE_MINUTES * 60,
        "lifetime": DEFAULT_LIFETIME_HOURS * 3600,
    }
    started = session.get(AUTH_AT_KEY)
    seen = session.get(SEEN_AT_KEY)
    if started is not None and now - started > policy["lifetime"]:
        return "lifetime"
    if seen is not None and now - seen > policy["idle"]:
        return "idle"
    return None


# Paths a staff member who has not set up two-factor may still open: the setup itself and the way out.
def _mfa_setup_paths() -> tuple[str, ...]:
    return (
        reverse("mfa_activate_totp"),
        reverse("mfa_index"),
        reverse("mfa_view_recovery_codes"),
        reverse("mfa_generate_recovery_codes"),
        reverse("mfa_download_recovery_codes"),
        reverse("account_reauthenticate"),
        reverse("accounts:logout"),
        reverse("accounts:set_language"),
        settings.STATIC_URL,
    )


class SessionPolicyMiddleware:
    """Ends idle and over-age sessions (server-side, audited) and holds staff until two-factor is on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.get(AUTH_AT_KEY) and session.get(SESSION_KEY):
            now = time.time()
            reason = expired(session, now)
            if reason:
                return self._end(request, reason)
            seen = session.get(SEEN_AT_KEY)
            if seen is None or now - seen >= SEEN_RESOLUTION_SECONDS:
                session[SEEN_AT_KEY] = now
            if session.get(MFA_SETUP_KEY):
                response = self._hold_for_mfa(request)
                if response is not None:
                    return response
        return self.get_response(request)

    def _end(self, request: HttpRequest, reason: str) -> HttpResponse:
        user = request.user if request.user.is_authenticated else None
        record_audit(event="auth.session_expired", actor=user, target=user, request=request, reason=reason)
        logout(request)  # flushes the session in the store
        messages.info(
            request,
            _("You were signed out after a period of inactivity. Please sign in again.")
            if reason == "idle"
            else _("Your session has ended. Please sign in again."),
        )
        login_url = reverse("accounts:login")
        if request.method == "GET":
            login_url += "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = login_url
            return response
        return HttpResponseRedirect(login_url)

    def _hold_for_mfa(self, request: HttpRequest) -> HttpResponse | None:
        if not request.user.is_authenticated or not request.user.is_staff:
            request.session.pop(MFA_SETUP_KEY, None)
            return None
        if request.path.startswith(_mfa_setup_paths()):
            return None
        if _has_mfa(request.user):
            request.session.pop(MFA_SETUP_KEY, None)
            return None
        messages.warning(
            request, _("Staff accounts must use two-factor authentication. Set it up to continue.")
        )
        return HttpResponseRedirect(reverse("mfa_activate_totp"))
