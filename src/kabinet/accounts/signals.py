"""Audit entries for allauth's authentication events, and what a change of credentials requires.

A changed password or two-factor setup goes to ``actions.credentials_changed`` (the other sessions end, or
are offered to end); an authenticator activated in this session lifts this session's two-factor hold.
"""

from __future__ import annotations

from typing import Any

from allauth.account import signals as account_signals
from allauth.account.authentication import get_authentication_records
from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver

from kabinet.accounts import actions, session_policy
from kabinet.core.audit import record_audit


def _method(request, user) -> str:
    records = get_authentication_records(request, user) if request is not None else []
    methods = [r.get("method") for r in records if isinstance(r, dict)]
    return "+".join(m for m in methods if m) or "session"


@receiver(account_signals.user_logged_in)
def _logged_in(sender, request, user, **kwargs: Any) -> None:
    record_audit(event="auth.login", actor=user, target=user, request=request, method=_method(request, user))


@receiver(auth_signals.user_logged_out)
def _logged_out(sender, request, user, **kwargs: Any) -> None:
    if user is not None:
        record_audit(event="auth.logout", actor=user, target=user, request=request)


@receiver(account_signals.user_signed_up)
def _signed_up(sender, request, user, **kwargs: Any) -> None:
    record_audit(event="auth.signed_up", actor=user, target=user, request=request)


def _credentials_changed(request, user, change: str) -> None:
    from django.contrib import messages
    from django.utils.translation import gettext as _

    session = getattr(request, "session", None)
    offered_before = session is not None and session.get(actions.OFFER_END_SESSIONS_KEY)
    actions.credentials_changed(user=user, request=request, change=change)
    if session is not None and not offered_before and session.get(actions.OFFER_END_SESSIONS_KEY):
        messages.info(
            request,
            _(
                "You are still signed in on other devices. If that was not you, end those sessions under Sessions."
            ),
        )


@receiver(account_signals.password_changed)
def _password_changed(sender, request, user, **kwargs: Any) -> None:
    record_audit(event="auth.password_changed", actor=user, target=user, request=request)
    _credentials_changed(request, user, actions.CREDENTIALS_PASSWORD)


@receiver(account_signals.password_set)
def _password_set(sender, request, user, **kwargs: Any) -> None:
    record_audit(event="auth.password_set", actor=user, target=user, request=request)
    _credentials_changed(request, user, actions.CREDENTIALS_PASSWORD)


@receiver(account_signals.password_reset)
def _password_reset(sender, request, user, **kwargs: Any) -> None:
    record_audit(event="auth.password_reset", actor=user, target=user, request=request)
    _credentials_changed(request, user, actions.CREDENTIALS_PASSWORD)


@receiver(account_signals.email_confirmed)
def _email_confirmed(sender, request, email_address, **kwargs: Any) -> None:
    user = email_address.user
    record_audit(event="auth.email_verified", actor=user, target=user, request=request)


@receiver(account_signals.email_changed)
def _email_changed(sender, request, user, from_email_address, to_email_address, **kwargs: Any) -> None:
    record_audit(event="auth.email_changed", actor=user, target=user, request=request)


@receiver(account_signals.email_added)
def _email_added(sender, request, user, email_address, **kwargs: Any) -> None:
    record_audit(event="auth.email_added", actor=user, target=user, request=request)


@receiver(account_signals.email_removed)
def _email_removed(sender, request, user, email_address, **kwargs: Any) -> None:
    record_audit(event="auth.email_removed", actor=user, target=user, request=request)


@receiver(account_signals.login_code_rejected)
def _login_code_rejected(sender, request, user, last_attempt=False, **kwargs: Any) -> None:
    record_audit(
        event="auth.code_rejected", actor=user, target=user, request=request, last_attempt=last_attempt
    )


@receiver(mfa_signals.authenticator_added)
def _mfa_added(sender, request, user, authenticator, **kwargs: Any) -> None:
    record_audit(event="auth.mfa_added", actor=user, target=user, request=request, type=authenticator.type)
    if request is not None and authenticator.type == authenticator.Type.TOTP:
        session_policy.second_factor_done_here(request, user)  # a valid code was typed in this session
    _credentials_changed(request, user, actions.CREDENTIALS_MFA)


@receiver(mfa_signals.authenticator_removed)
def _mfa_removed(sender, request, user, authenticator, **kwargs: Any) -> None:
    record_audit(event="auth.mfa_removed", actor=user, target=user, request=request, type=authenticator.type)
    _credentials_changed(request, user, actions.CREDENTIALS_MFA)


@receiver(mfa_signals.authenticator_reset)
def _mfa_reset(sender, request, user, authenticator, **kwargs: Any) -> None:
    record_audit(event="auth.mfa_reset", actor=user, target=user, request=request, type=authenticator.type)
    _credentials_changed(request, user, actions.CREDENTIALS_MFA)


@receiver(mfa_signals.authentication_failed)
def _mfa_failed(sender, request, user, **kwargs: Any) -> None:
    record_audit(event="auth.mfa_failed", actor=user, target=user, request=request)
