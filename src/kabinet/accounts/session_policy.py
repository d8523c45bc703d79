"""The rules every request of a session meets, HTTP or WebSocket: lifetime, idle timeout, the staff's two-factor.

At sign-in the session records when it started and the staff's idle timeout and absolute lifetime (read
once from ``SignInSettings``). :func:`evaluate` is the one function that decides, from the session and its
user, whether the session may be used now; the HTTP middleware below and the socket consumers
(``messaging.consumers``) both call it, so a socket can never do what a page of the same session could not.

Every way in (password, codes, invitation, two-factor, the back office) passes through the adapter's
``login``, which stamps the session; a session without the stamp (``Client.force_login`` in tests) is left
alone. Activity is stamped at most once a minute, so the session store is not written on every page; only
HTTP requests count as activity (an open tab's socket does not keep a session alive).

The two-factor hold is lifted only by **this session** passing the second factor: an ``mfa`` record in
allauth's authentication records of the session (sign-in with the authenticator, or re-authentication
with it), or the authenticator having been activated in this session (the person typed a valid code
here). An authenticator set up in another browser lifts nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum
from types import SimpleNamespace
from typing import Any

from allauth.account.authentication import get_authentication_records
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
MFA_PASSED_KEY = "kabinet_mfa_passed_at"
CONSENT_KEY = "kabinet_consent_needed"
DEFAULT_IDLE_MINUTES = 30
DEFAULT_LIFETIME_HOURS = 12
SEEN_RESOLUTION_SECONDS = 60


class Verdict(StrEnum):
    """Why a session may not be used now (``evaluate`` returns None when it may)."""

    IDLE = "idle"  # no HTTP request for longer than the idle timeout: the session ends
    LIFETIME = "lifetime"  # older than the absolute lifetime: the session ends
    MFA_SETUP = "mfa_setup"  # staff without an authenticator: held on the setup pages
    MFA_REQUIRED = "mfa_required"  # staff with an authenticator this session has not passed: held
    CONSENT = "consent"  # an account made by sign-in by the phone on the deal, no consent accepted: held

    @property
    def ends_session(self) -> bool:
        return self in (Verdict.IDLE, Verdict.LIFETIME)


def stamp(session, *, now: float | None = None) -> None:
    """Write the current policy into ``session`` as at a sign-in at ``now``."""
    policy = SignInSettings.current()
    now = time.time() if now is None else now
    session[AUTH_AT_KEY] = now
    session[SEEN_AT_KEY] = now
    session[POLICY_KEY] = {
        "idle": policy.idle_timeout_minutes * 60,
        "lifetime": policy.absolute_lifetime_hours * 3600,
    }
    session.set_expiry(policy.absolute_lifetime_hours * 3600)


def start(request: HttpRequest, user) -> None:
    """Called right after Django's ``login`` (new session id): stamp the session with the policy."""
    stamp(request.session)


def signed_in_within(request: HttpRequest | None, seconds: float) -> bool:
    """Whether this session signed in (through the adapter's ``login``) less than ``seconds`` ago."""
    session = getattr(request, "session", None)
    started = session.get(AUTH_AT_KEY) if session is not None else None
    return started is not None and time.time() - started < seconds


def _has_mfa(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def _policy(session) -> dict[str, float]:
    return session.get(POLICY_KEY) or {
        "idle": DEFAULT_IDLE_MINUTES * 60,
        "lifetime": DEFAULT_LIFETIME_HOURS * 3600,
    }


def expired(session, now: float) -> Verdict | None:
    """``IDLE`` or ``LIFETIME`` when the session must end, else None."""
    policy = _policy(session)
    started = session.get(AUTH_AT_KEY)
    seen = session.get(SEEN_AT_KEY)
    if started is not None and now - started > policy["lifetime"]:
        return Verdict.LIFETIME
    if seen is not None and now - seen > policy["idle"]:
        return Verdict.IDLE
    return None


def seconds_left(session, now: float) -> float | None:
    """Seconds until the session expires if nothing happens (None for a session without the stamp)."""
    started, seen = session.get(AUTH_AT_KEY), session.get(SEEN_AT_KEY)
    if started is None:
        return None
    policy = _policy(session)
    deadlines = [started + policy["lifetime"]]
    if seen is not None:
        deadlines.append(seen + policy["idle"])
    return max(0.0, min(deadlines) - now)


def second_factor_passed(session, user) -> bool:
    """Whether this session (not merely the user) passed the second factor."""
    if session.get(MFA_PASSED_KEY):
        return True
    # allauth's public accessor reads the records from ``.session``; any object holding the session will do.
    records = get_authentication_records(SimpleNamespace(session=session), user)
    return any(isinstance(r, dict) and r.get("method") == "mfa" for r in records)


def second_factor_done_here(request: HttpRequest, user) -> None:
    """This session activated an authenticator (a valid code was typed here): its hold is lifted."""
    session = getattr(request, "session", None)
    if session is not None and getattr(request, "user", None) is not None and request.user.pk == user.pk:
        session[MFA_PASSED_KEY] = time.time()


def require_consent(session) -> None:
    """Hold this session on the consent step (``accounts:consent``) until the person accepts the text."""
    session[CONSENT_KEY] = True


def consent_given(session) -> None:
    session.pop(CONSENT_KEY, None)


def evaluate(session, user, *, now: float | None = None) -> Verdict | None:
    """The one check every request of a session meets, HTTP or WebSocket; None: the session may be used.

    ``user`` is the session's authenticated user (after Django verified the session's auth hash). Costs no
    query, except one for a staff member held for two-factor (is an authenticator set up?).
    """
    if session is None or not session.get(AUTH_AT_KEY) or user is None or not user.is_authenticated:
        return None
    reason = expired(session, time.time() if now is None else now)
    if reason is not None:
        return reason
    if session.get(CONSENT_KEY):
        return Verdict.CONSENT
    if user.is_staff and not second_factor_passed(session, user):
        return Verdict.MFA_REQUIRED if _has_mfa(user) else Verdict.MFA_SETUP
    return None


def touch(session, *, now: float | None = None) -> None:
    """Record activity (an HTTP request), at most once per ``SEEN_RESOLUTION_SECONDS``."""
    now = time.time() if now is None else now
    seen = session.get(SEEN_AT_KEY)
    if seen is None or now - seen >= SEEN_RESOLUTION_SECONDS:
        session[SEEN_AT_KEY] = now


def end_expired(session, user, reason: Verdict, *, request: HttpRequest | None = None, **data: Any) -> None:
    """Audit an expired session; the caller then deletes it from the store (HTTP: ``logout``)."""
    record_audit(
        event="auth.session_expired", actor=user, target=user, request=request, reason=str(reason), **data
    )


def hold_url(verdict: Verdict | None) -> str | None:
    """Where a held staff member is sent: the setup (after the email check) or the second factor."""
    if verdict is Verdict.MFA_SETUP:
        return reverse("accounts:mfa_setup")
    if verdict is Verdict.MFA_REQUIRED:
        return reverse("mfa_reauthenticate")
    if verdict is Verdict.CONSENT:
        return reverse("accounts:consent")
    return None


# Paths a held staff member may still open: the way to lift the hold, and the way out. Exact paths, so
# the rest of the two-factor pages (deactivating an authenticator set up elsewhere) stay closed.
def allowed_while_held(verdict: Verdict) -> set[str]:
    common = {
        reverse("accounts:logout"),
        reverse("accounts:set_language"),
        reverse("mfa_reauthenticate"),
    }
    if verdict is Verdict.CONSENT:
        return {reverse("accounts:logout"), reverse("accounts:set_language"), reverse("accounts:consent")}
    if verdict is Verdict.MFA_REQUIRED:
        return common
    return common | {
        reverse("accounts:mfa_setup"),
        reverse("account_email_verification_sent"),
        reverse("mfa_index"),
        reverse("account_reauthenticate"),
        reverse("mfa_activate_totp"),
        reverse("mfa_view_recovery_codes"),
        reverse("mfa_download_recovery_codes"),
    }


def is_navigation(request: HttpRequest) -> bool:
    """Whether the browser is opening a page (rather than a script fetching data). Browsers say so in
    ``Sec-Fetch-Mode``; a client that sends no such header (curl, an old browser) counts as opening a page."""
    mode = request.headers.get("Sec-Fetch-Mode")
    return mode is None or mode == "navigate"


class SessionPolicyMiddleware:
    """Ends idle and over-age sessions (server-side, audited) and holds staff until this session passed
    the second factor."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.get(AUTH_AT_KEY) and session.get(SESSION_KEY):
            verdict = evaluate(session, request.user)
            if verdict is not None and verdict.ends_session:
                return self._end(request, verdict)
            touch(session)
            if verdict is not None:
                response = self._hold(request, verdict)
                if response is not None:
                    return response
        return self.get_response(request)

    def _end(self, request: HttpRequest, reason: Verdict) -> HttpResponse:
        user = request.user if request.user.is_authenticated else None
        end_expired(request.session, user, reason, request=request)
        logout(request)  # flushes the session in the store
        messages.info(
            request,
            _("You were signed out after a period of inactivity. Please sign in again.")
            if reason is Verdict.IDLE
            else _("Your session has ended. Please sign in again."),
        )
        login_url = reverse("accounts:login")
        if request.method == "GET":
            login_url += "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = login_url
            return response
        if not is_navigation(request):
            # A background fetch would follow to the sign-in page and swallow the notice meant for the person.
            return HttpResponse(status=401)
        return HttpResponseRedirect(login_url)

    def _hold(self, request: HttpRequest, verdict: Verdict) -> HttpResponse | None:
        if request.path in allowed_while_held(verdict) or request.path.startswith(settings.STATIC_URL):
            return None
        url = hold_url(verdict)
        if not is_navigation(request):
            # A page's background request (the menu badges, htmx) must not follow a redirect to the setup: it
            # would render that page again, and allauth makes a new authenticator secret on every render (the
            # QR code being scanned would stop matching) or would send another email code. Nor may it queue
            # the warning. Nor may htmx be told to navigate there: the person is already on the way.
            return HttpResponse(status=403)
        if verdict is Verdict.CONSENT:
            pass  # the consent page says what it asks
        elif verdict is Verdict.MFA_SETUP:
            messages.warning(
                request, _("Staff accounts must use two-factor authentication. Set it up to continue.")
            )
        else:
            messages.warning(request, _("Enter the code from your authenticator app to continue."))
        if verdict is Verdict.MFA_REQUIRED and request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(url)
