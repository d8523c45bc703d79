"""The SSRF guard: resolve a receiver's host once, refuse internal addresses, connect to the checked one.

Resolving once and connecting to that very address (with the original host in ``Host`` and for TLS) is what
stops DNS rebinding: a second lookup could answer 127.0.0.1 after the first answered a public address.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit


class RefusedAddress(Exception):
    """The receiver resolves to an address webhooks may not reach."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    address: str  # the checked IP to connect to
    path: str


def resolve(url: str, *, allow_private: bool) -> Target:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedAddress(f"not an http(s) URL: {url}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise RefusedAddress(f"cannot resolve {parts.hostname}") from error
    address = infos[0][4][0]
    ip = ipaddress.ip_address(address)
    if not allow_private and not ip.is_global:
        raise RefusedAddress(f"{parts.hostname} resolves to the internal address {address}")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme=parts.scheme, host=parts.hostname, port=port, address=address, path=path)
