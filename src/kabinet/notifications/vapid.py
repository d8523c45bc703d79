"""VAPID keys for web push: from the environment, or generated once into the data folder (embedded mode)."""

from __future__ import annotations

import base64
import functools
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@functools.cache
def private_key_raw() -> str:
    """The private key as the base64url 32-byte number that web push tools print."""
    configured = settings.KABINET_VAPID_PRIVATE_KEY
    if configured:
        return configured
    path = Path(settings.DATA_DIR) / "vapid_private_key"
    if not path.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        path.write_text(_b64(key.private_numbers().private_value.to_bytes(32, "big")))
        path.chmod(0o600)
    return path.read_text().strip()


@functools.cache
def public_key() -> str:
    """The application server key the browser needs to subscribe (base64url uncompressed point)."""
    number = int.from_bytes(_unb64(private_key_raw()), "big")
    key = ec.derive_private_key(number, ec.SECP256R1())
    return _b64(key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))


def push_service_allowed(endpoint: str) -> bool:
    """Whether a subscription endpoint points at a known push service over https (see settings)."""
    from urllib.parse import urlsplit

    from django.http.request import validate_host

    parts = urlsplit(endpoint)
    if parts.scheme != "https" or not parts.hostname:
        return False
    return validate_host(parts.hostname, settings.KABINET_PUSH_SERVICE_HOSTS)
