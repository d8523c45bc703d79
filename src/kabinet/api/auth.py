"""Who is calling: an integrator key, a client's personal token, or a client's browser session.

The result (``Caller``) is ``request.auth``. It carries the viewer the selectors scope by, so the API reads
through the same access boundary as the portal pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import SimpleRateThrottle

from kabinet.api.actions import record_key_refusal, record_key_use
from kabinet.api.keys import KEY_PREFIX, hash_key
from kabinet.api.models import READ, ApiKey
from kabinet.api.problems import Problem
from kabinet.core.viewer import Viewer
from kabinet.crm.viewer import build_viewer


@dataclass(frozen=True)
class Caller:
    """The authenticated side of an API request."""

    viewer: Viewer
    api_key: ApiKey | None = None

    @property
    def user(self) -> Any:
        return self.viewer.user

    @property
    def owner(self) -> str:
        """Names the caller for idempotency records and rate limits (never the secret itself)."""
        return f"key:{self.api_key.pk}" if self.api_key else f"user:{self.viewer.user.pk}"

    def __str__(self) -> str:  # ninja's throttles key on str(request.auth)
        return self.owner

    def require(self, resource: str, level: str = READ) -> None:
        """Refuse a key whose scopes lack ``resource`` at ``level`` (a session has the portal's rights)."""
        if self.api_key is not None and not self.api_key.allows(resource, level):
            raise Problem(
                403,
                _("This key may not do that."),
                _("The key needs the scope “%(resource)s: %(level)s”.")
                % {"resource": resource, "level": level},
            )


def _key_from(request: HttpRequest, token: str) -> ApiKey | None:
    if not token.startswith(KEY_PREFIX):
        return None
    api_key = ApiKey.objects.select_related("user", "created_by").filter(key_hash=hash_key(token)).first()
    if api_key is None:
        return None
    address = request.META.get("REMOTE_ADDR")
    reason = (
        "revoked"
        if api_key.revoked_at
        else "expired"
        if not api_key.is_active(timezone.now())
        else "address"
        if not api_key.allows_address(address)
        else ""
    )
    if reason:
        record_key_refusal(api_key=api_key, request=request, reason=reason)
        return None
    record_key_use(api_key=api_key, request=request)
    return api_key


class IntegratorKey(HttpBearer):
    """``Authorization: Bearer kab_…`` with a staff-issued key: every client's data, within its scopes."""

    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        api_key = _key_from(request, token)
        if api_key is None or api_key.is_personal:
            return None
        return Caller(viewer=Viewer(user=api_key.created_by), api_key=api_key)


def _client_viewer(request: HttpRequest, user: Any) -> Viewer | None:
    viewer = getattr(request, "viewer", None) if getattr(request, "user", None) == user else None
    viewer = viewer or build_viewer(SimpleNamespace(user=user))  # a token has no session: first company
    return viewer if viewer.is_client else None


class PersonalToken(HttpBearer):
    """``Authorization: Bearer kab_…`` with a client's personal token: exactly what he sees signed in."""

    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        api_key = _key_from(request, token)
        if api_key is None or not api_key.is_personal or not api_key.user.is_active:
            return None
        viewer = _client_viewer(request, api_key.user)
        return Caller(viewer=viewer, api_key=api_key) if viewer else None


class PortalSession(APIKeyCookie):
    """The portal's session cookie (a widget or the portal's own scripts); unsafe methods need CSRF."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        user = getattr(request, "user", None)
        if "Authorization" in request.headers:
            return None  # a request that names a key stands or falls by it, whatever cookie comes along
        if not key or user is None or not user.is_authenticated:
            return None
        viewer = _client_viewer(request, user)
        return Caller(viewer=viewer) if viewer else None


class PerCaller(SimpleRateThrottle):
    """Requests per caller (key or user), ``KABINET_API_RATE`` (e.g. ``600/m``); over it: 429 + Retry-After."""

    scope = "api"

    def get_rate(self) -> str:
        return settings.KABINET_API_RATE

    def allow_request(self, request: HttpRequest) -> bool:
        # Read the rate on every request, not once at import, so a changed setting applies at once.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        caller = getattr(request, "auth", None)
        return f"kabinet-api-rate:{caller}" if caller is not None else None
