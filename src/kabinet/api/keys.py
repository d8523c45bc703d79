"""API key material: how a key looks, how it is hashed, and how a request finds its key."""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "kab_"


def new_key() -> tuple[str, str, str]:
    """A fresh key as ``(key, prefix, sha256)``. Only the prefix and the hash are ever stored."""
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, hash_key(key)


def hash_key(key: str) -> str:
    """SHA-256 is enough here: the key has 256 random bits, so there is nothing to guess or stretch."""
    return hashlib.sha256(key.encode()).hexdigest()
