"""Kabinet's own one-time codes (deleting the account): six digits, kept only as a keyed hash, compared in
constant time. The sign-in and verification codes are django-allauth's own (docs/security.md, "One-time codes").
"""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Any

from django.utils.crypto import salted_hmac

HASH_PREFIX = "h$"
CODE_DIGITS = 6


def generate_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def normalize(code: str) -> str:
    return "".join(ch for ch in (code or "") if not ch.isspace() and ch != "-")


def code_hash(code: str) -> str:
    """A keyed hash (HMAC with the secret key) of the normalised code; never reversible to the code."""
    digest = salted_hmac("kabinet.accounts.codes", normalize(code), algorithm="sha256").hexdigest()
    return HASH_PREFIX + digest


def is_hashed(value: str) -> bool:
    return isinstance(value, str) and value.startswith(HASH_PREFIX)


def matches(entered: str, stored: str) -> bool:
    return bool(stored) and hmac.compare_digest(code_hash(entered), stored)


# --- session-held codes for actions of a signed-in person (deleting the account) -------------------------


def issue(session: Any, purpose: str, *, timeout: int = 600) -> str:
    """Start a code for ``purpose`` in this session; returns the code to send. Replaces an earlier one."""
    code = generate_code()
    session[f"kabinet_code:{purpose}"] = {
        "hash": code_hash(code),
        "at": time.time(),
        "timeout": timeout,
        "tries": 0,
    }
    return code


def check(session: Any, purpose: str, entered: str, *, max_attempts: int = 5) -> str:
    """``"ok"`` (and the code is spent), ``"wrong"``, ``"expired"`` or ``"too_many"`` (and the code is gone)."""
    key = f"kabinet_code:{purpose}"
    state = session.get(key)
    if not state:
        return "expired"
    if time.time() - state["at"] > state["timeout"]:
        session.pop(key, None)
        return "expired"
    if matches(entered, state["hash"]):
        session.pop(key, None)
        return "ok"
    state["tries"] += 1
    if state["tries"] >= max_attempts:
        session.pop(key, None)
        return "too_many"
    session[key] = state
    return "wrong"


def pending(session: Any, purpose: str) -> bool:
    state = session.get(f"kabinet_code:{purpose}")
    return bool(state) and time.time() - state["at"] <= state["timeout"]
