"""Writes on accounts."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest

from kabinet.accounts.models import User
from kabinet.core.audit import record_audit


@transaction.atomic
def set_language(*, actor: User, language: str, request: HttpRequest | None = None) -> User:
    """Store the interface language the user chose; it follows him to every device."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValueError(f"unsupported language {language!r}")
    if actor.language != language:
        actor.language = language
        actor.save(update_fields=["language"])
        record_audit(
            event="account.language_changed", actor=actor, target=actor, request=request, language=language
        )
    return actor


@transaction.atomic
def create_account(
    *,
    actor: User | None,
    email: str,
    password: str | None,
    full_name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
    language: str | None = None,
) -> User:
    """Create a sign-in account (client or staff) and audit it."""
    user = User.objects.create_user(
        email=email,
        password=password,
        full_name=full_name,
        is_staff=is_staff or is_superuser,
        is_superuser=is_superuser,
        language=language or settings.LANGUAGE_CODE,
    )
    record_audit(event="account.created", actor=actor, target=user, staff=user.is_staff)
    return user
