"""Signed tokens that travel by email: the reply-to address of a ticket, and the one-click rating links.

The reply token sits in the local part of an address (``support+<token>@example.com``), which is limited to
64 characters and may be lower-cased by mail servers: so it is short, lower-case hex, and authenticated by
an HMAC of the ticket and the recipient contact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import getaddresses, parseaddr

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

REPLY_SALT = "kabinet.tickets.reply-address"
RATING_SALT = "kabinet.tickets.rating-link"
RATING_MAX_AGE = 60 * 24 * 3600  # a rating link older than two months has lost its point
_REPLY_TOKEN = re.compile(r"^([0-9a-f]{1,16})-([0-9a-f]{1,16})-([0-9a-f]{20})$")


def _reply_signature(ticket_id: int, contact_id: int) -> str:
    return salted_hmac(REPLY_SALT, f"{ticket_id}-{contact_id}", algorithm="sha256").hexdigest()[:20]


def reply_token(ticket_id: int, contact_id: int) -> str:
    return f"{ticket_id:x}-{contact_id:x}-{_reply_signature(ticket_id, contact_id)}"


def read_reply_token(token: str) -> tuple[int, int] | None:
    """``(ticket id, contact id)`` for a genuine token, else None."""
    match = _REPLY_TOKEN.match(token.strip().lower())
    if not match:
        return None
    ticket_id, contact_id = int(match.group(1), 16), int(match.group(2), 16)
    if not constant_time_compare(match.group(3), _reply_signature(ticket_id, contact_id)):
        return None
    return ticket_id, contact_id


def mailbox_address() -> str:
    """The support mailbox: ``KABINET_TICKETS_MAILBOX``, else the address of ``DEFAULT_FROM_EMAIL``."""
    configured = getattr(settings, "KABINET_TICKETS_MAILBOX", "") or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return configured.strip().lower()


def reply_address(ticket_id: int, contact_id: int) -> str:
    local, _at, domain = mailbox_address().partition("@")
    return f"{local}+{reply_token(ticket_id, contact_id)}@{domain}"


def find_reply_token(addresses: list[str] | tuple[str, ...]) -> tuple[int, int] | None:
    """Look for a genuine reply token in the plus part of any recipient address."""
    for _name, address in getaddresses(list(addresses)):
        local = address.partition("@")[0]
        if "+" in local:
            found = read_reply_token(local.split("+", 1)[1])
            if found:
                return found
    return None


@dataclass(frozen=True)
class RatingClaim:
    ticket_public_id: str
    contact_id: int
    rating: int
    nonce: str


def rating_token(*, ticket_public_id: str, contact_id: int, rating: int, nonce: str) -> str:
    return signing.dumps(
        {"t": ticket_public_id, "c": contact_id, "r": rating, "n": nonce}, salt=RATING_SALT, compress=True
    )


def read_rating_token(token: str) -> RatingClaim | None:
    try:
        data = signing.loads(token, salt=RATING_SALT, max_age=RATING_MAX_AGE)
        return RatingClaim(
            ticket_public_id=str(data["t"]),
            contact_id=int(data["c"]),
            rating=int(data["r"]),
            nonce=str(data["n"]),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
