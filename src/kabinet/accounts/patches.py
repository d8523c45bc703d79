"""Keep one-time codes out of the session in clear text.

allauth stores the state of a code sign-in, a phone check and an email check (``state["code"]``) in the
server-side session. These wrappers replace the code there by :func:`kabinet.accounts.codes.code_hash` as
soon as it has been sent, so a leaked session store reveals no usable code; the confirm forms
(``kabinet.accounts.forms``) hash what the person typed before allauth compares. ``tests/test_codes.py``
checks the stored state, so an allauth upgrade that moves these methods fails loudly.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from kabinet.accounts.codes import code_hash, is_hashed


def _hash_state_after(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        finally:
            stored = self.state.get("code")
            if stored and not is_hashed(stored):
                self.state["code"] = code_hash(stored)

    wrapper._kabinet_hashed = True  # type: ignore[attr-defined]
    return wrapper


def apply() -> None:
    from allauth.account.internal.flows.email_verification_by_code import EmailVerificationProcess
    from allauth.account.internal.flows.login_by_code import LoginCodeVerificationProcess
    from allauth.account.internal.flows.phone_verification import PhoneVerificationProcess

    targets = [
        (LoginCodeVerificationProcess, "generate_code"),  # returns the code to send; state keeps the hash
        (PhoneVerificationProcess, "send_sms"),  # reads state["code"] to send it, then it is hashed
        (EmailVerificationProcess, "send"),
    ]
    for cls, name in targets:
        method = cls.__dict__[name]
        if not getattr(method, "_kabinet_hashed", False):
            setattr(cls, name, _hash_state_after(method))
