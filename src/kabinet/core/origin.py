"""The WebSocket handshake's Origin check: scheme, host and port, like Django's CSRF check for forms.

A socket is accepted only from a page of this portal: its Origin must be the origin the socket itself was
opened on (the scheme of the connection, ``https`` when ``KABINET_HTTPS`` is on, and the ``Host`` header,
which must be one of ``ALLOWED_HOSTS``), or one of ``CSRF_TRUSTED_ORIGINS``. Channels' own
``AllowedHostsOriginValidator`` compares host names only, so another port or scheme on the same host
(``http://127.0.0.1:9``) passed; the comparison itself is Channels' ``OriginValidator``.
"""

from __future__ import annotations

from typing import Any

from channels.security.websocket import OriginValidator
from django.conf import settings
from django.http.request import split_domain_port, validate_host


def allowed_origins(scope: dict[str, Any]) -> list[str]:
    """The full origins (scheme://host[:port]) a socket opened with ``scope`` may come from."""
    origins = [origin.lower() for origin in getattr(settings, "CSRF_TRUSTED_ORIGINS", [])]
    host = next((value.decode("latin1") for name, value in scope.get("headers", []) if name == b"host"), "")
    domain, _port = split_domain_port(host)
    if domain and validate_host(domain, settings.ALLOWED_HOSTS):
        secure = scope.get("scheme") in ("wss", "https") or getattr(settings, "HTTPS", False)
        origins.append(f"{'https' if secure else 'http'}://{host.lower()}")
    return origins


class SameOriginValidator:
    """ASGI middleware: refuses the handshake (403) unless the Origin is one of :func:`allowed_origins`."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        return await OriginValidator(self.application, allowed_origins(scope))(scope, receive, send)
