"""The contact directory: what sign-in needs to know about CRM contacts, without importing the CRM.

Accounts sits left of the CRM (``core ← accounts ← crm``), yet signing in by a phone on the client's contact,
matching a new account to an existing contact and inviting contacts all need contact data. The CRM implements
:class:`ContactDirectory` and installs it with :func:`set_directory` from its ``AppConfig.ready()``; accounts
calls :func:`directory`. Without an installed directory (accounts used alone) every lookup finds nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class ContactCard:
    """A contact as sign-in sees it: who he is, where to reach him, and his account if he has one."""

    public_id: str
    full_name: str
    first_name: str = ""
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    user_id: int | None = None
    verified_emails: tuple[str, ...] = ()
    verified_phones: tuple[str, ...] = ()


class ContactDirectory(Protocol):
    def user_ids_by_phone(self, phone: str) -> list[int]:
        """Ids of the accounts whose contact carries ``phone`` (E.164) as a verified number."""
        ...

    def find_unlinked(self, *, emails: Sequence[str] = (), phones: Sequence[str] = ()) -> list[ContactCard]:
        """Contacts without an account carrying any of these emails or phones."""
        ...

    def card(self, public_id: str) -> ContactCard | None:
        """One contact by public id."""
        ...

    def card_of_user(self, user: Any) -> ContactCard | None:
        """The contact linked to ``user``, if any."""
        ...

    def link_user(self, *, actor: Any, contact_public_id: str, user: Any) -> None:
        """Make ``user`` the portal account of the contact."""
        ...

    def create_for_user(self, *, actor: Any, user: Any, phone: str = "") -> None:
        """Create a new contact for a person who signed up and matched no contact."""
        ...

    def mark_verified(self, *, user: Any, email: str = "", phone: str = "") -> None:
        """Record on the user's contact that he proved he controls this email or phone."""
        ...

    def grant_company_access(self, *, actor: Any, user: Any, company_public_id: str, role: str) -> bool:
        """Give ``user``'s contact (created if he has none) access to the company with ``role``, because he
        accepted an invitation. False when the company no longer exists; the sessions' active company stays."""
        ...


class _EmptyDirectory:
    def user_ids_by_phone(self, phone: str) -> list[int]:
        return []

    def find_unlinked(self, *, emails: Sequence[str] = (), phones: Sequence[str] = ()) -> list[ContactCard]:
        return []

    def card(self, public_id: str) -> ContactCard | None:
        return None

    def card_of_user(self, user: Any) -> ContactCard | None:
        return None

    def link_user(self, *, actor: Any, contact_public_id: str, user: Any) -> None:
        return None

    def create_for_user(self, *, actor: Any, user: Any, phone: str = "") -> None:
        return None

    def mark_verified(self, *, user: Any, email: str = "", phone: str = "") -> None:
        return None

    def grant_company_access(self, *, actor: Any, user: Any, company_public_id: str, role: str) -> bool:
        return False


_directory: ContactDirectory = _EmptyDirectory()


def set_directory(implementation: ContactDirectory) -> None:
    global _directory
    _directory = implementation


def directory() -> ContactDirectory:
    return _directory


# --- sign-in without an invitation: contacts a trusted source vouches for ---------------------------------

PhoneEnrolment = Callable[[str], list[str]]
_enrolments: dict[str, PhoneEnrolment] = {}


def register_phone_enrolment(key: str, source: PhoneEnrolment) -> None:
    """Let ``source`` name contacts that may sign in by ``phone`` without an invitation.

    ``source(phone)`` answers the public ids of the contacts **without an account** that carry ``phone``
    (E.164) as a verified number and that the source vouches for (the CRM sync: contacts synced from a
    connection where staff switched on sign-in by the phone on the deal). Registered from an
    ``AppConfig.ready()``; ``key`` makes registering twice harmless."""
    _enrolments[key] = source


def enrolment_contact(phone: str) -> str | None:
    """The one contact that may sign in by ``phone`` without an invitation, or None (none, or several:
    a number on two contacts signs nobody in)."""
    found = {pid for source in _enrolments.values() for pid in source(phone)}
    return found.pop() if len(found) == 1 else None
