"""Secrets at rest (webhook secrets, provider credentials): Fernet with keys derived from the secret key.

The Fernet key is HKDF-SHA256 of ``SECRET_KEY`` (with a fixed purpose label), so no second secret has to be
managed. Rotation follows Django's: put the old key in ``SECRET_KEY_FALLBACKS``; values written under it still
decrypt (MultiFernet tries every key) and ``reencrypt`` rewrites one under the current key.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PURPOSE = b"kabinet secrets at rest v1"


def _fernet_for(secret_key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet_for(key) for key in keys])


def encrypt(value: str) -> str:
    """The value encrypted (and authenticated) under the current secret key, as text for a column."""
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """The clear value; ``ValueError`` when no current or fallback key opens it."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ValueError("this secret was encrypted under a key that is no longer configured") from error


def reencrypt(token: str) -> str:
    """The same value encrypted under the current key (after a rotation)."""
    return _fernet().rotate(token.encode()).decode()
