"""Secrets at rest (provider credentials, webhook signing secrets): Fernet tokens under keys derived from
Django's secret key.

Each key is derived with HKDF-SHA256 from ``SECRET_KEY`` and a purpose label, so the credentials key is never
the secret key itself and a leak of one purpose's key reveals nothing of another. ``MultiFernet`` encrypts
with the key of ``SECRET_KEY`` and decrypts with it or with any key of ``SECRET_KEY_FALLBACKS``
(``KABINET_SECRET_KEY_FALLBACKS``), which is how a secret key is rotated (docs/security.md):

1. set the new ``KABINET_SECRET_KEY`` and move the old one into ``KABINET_SECRET_KEY_FALLBACKS``;
2. run ``kabinet rotate_credentials`` (re-encrypts every stored token under the new key: each app that keeps
   secrets registers its re-encryption with ``on_rotation``);
3. drop the old key from the fallbacks.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

CREDENTIALS = "kabinet.provider-credentials"
# Webhook signing secrets (outgoing endpoints, incoming sources); the label of the first release, kept so that
# the secrets stored under it still open.
WEBHOOK_SECRETS = "kabinet secrets at rest v1"


class UnreadableSecret(Exception):
    """A token that none of the configured keys opens (the secret key changed without a fallback)."""


def derive_key(secret: str, purpose: str) -> bytes:
    """A Fernet key (urlsafe base64 of 32 bytes) for ``purpose``, derived from ``secret``."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(secret.encode())
    return base64.urlsafe_b64encode(raw)


def fernet(purpose: str = CREDENTIALS) -> MultiFernet:
    """Encrypts with the current secret key's key; decrypts with it or any fallback's."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([Fernet(derive_key(secret, purpose)) for secret in secrets])


def encrypt_json(data: dict[str, str], purpose: str = CREDENTIALS) -> str:
    return fernet(purpose).encrypt(json.dumps(data, sort_keys=True).encode()).decode()


def decrypt_json(token: str, purpose: str = CREDENTIALS) -> dict[str, str]:
    if not token:
        return {}
    try:
        return json.loads(fernet(purpose).decrypt(token.encode()))
    except InvalidToken as error:
        raise UnreadableSecret(
            "stored credentials cannot be decrypted with the configured secret keys"
        ) from error


def rotate(token: str, purpose: str = CREDENTIALS) -> str:
    """``token`` re-encrypted under the current key (it may have been written under a fallback's)."""
    if not token:
        return token
    try:
        return fernet(purpose).rotate(token.encode()).decode()
    except InvalidToken as error:
        raise UnreadableSecret(
            "stored credentials cannot be decrypted with the configured secret keys"
        ) from error


def encrypt_text(value: str, purpose: str) -> str:
    """``value`` encrypted (and authenticated) under the current secret key's key, as text for a column."""
    return fernet(purpose).encrypt(value.encode()).decode()


def decrypt_text(token: str, purpose: str) -> str:
    """The clear text of ``token``; ``UnreadableSecret`` when neither the current nor a fallback key opens it."""
    try:
        return fernet(purpose).decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise UnreadableSecret(
            "this secret was encrypted under a key that is no longer configured"
        ) from error


def rotate_column(queryset, field: str, purpose: str = CREDENTIALS) -> int:
    """Re-encrypt ``field`` of every row of ``queryset`` that has a value, under the current key (rows locked;
    call inside the caller's transaction); answers how many values were rewritten."""
    count = 0
    for row in queryset.select_for_update().exclude(**{field: ""}):
        setattr(row, field, rotate(getattr(row, field), purpose))
        row.save(update_fields=[field])
        count += 1
    return count


# Re-encryptions to run after a rotation of the secret key: name → function(actor) answering a count.
_ROTATIONS: dict[str, Callable[..., int]] = {}


def on_rotation(name: str, rotate_all: Callable[..., int]) -> None:
    """Register how an app re-encrypts what it stores (called from its ``AppConfig.ready``)."""
    _ROTATIONS[name] = rotate_all


def rotate_everything(*, actor=None) -> dict[str, int]:
    """Run every registered re-encryption; answers the count of rewritten values per name."""
    return {name: rotate_all(actor=actor) for name, rotate_all in sorted(_ROTATIONS.items())}
