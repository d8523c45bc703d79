"""Authenticator-app codes for tests, computed as any app computes them (RFC 6238: HMAC-SHA1, 30 s, 6 digits).

Tests use this rather than allauth's own implementation, so they exercise allauth the way a phone does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time

PERIOD = 30
DIGITS = 6


def totp_code(secret: str, *, steps_ahead: int = 0, at: float | None = None) -> str:
    """The code an authenticator app shows for ``secret`` now (or ``steps_ahead`` periods later)."""
    counter = int((time.time() if at is None else at) // PERIOD) + steps_ahead
    key = base64.b32decode(secret.encode("ascii"), casefold=True)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**DIGITS:0{DIGITS}d}"
