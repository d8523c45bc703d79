"""The texts the signer confirms and the masked channels, shared by the pages, the actions and the PDF."""

from __future__ import annotations

from django.utils.translation import gettext as _

STATEMENT_VERSION = 1
CONSENT_VERSION = 1
CODE_LIFETIME_SECONDS = 600
CODE_MAX_TRIES = 5


def statement(*, name: str, title: str, sha256: str) -> str:
    """The statement a signer confirms, naming the document and the hash of the exact bytes shown (version 1)."""
    return _(
        "I, %(name)s, have read the document “%(title)s” (SHA-256 %(sha256)s) and sign it with a simple "
        "electronic signature: the one-time code I enter identifies me as its signer."
    ) % {"name": name, "title": title, "sha256": sha256}


def consent_text() -> str:
    """The agreement (63-FZ art. 9) to be identified by a simple electronic signature, version 1."""
    return _(
        "I agree that documents I sign in this portal with a one-time code sent to my confirmed email or phone "
        "are signed with my simple electronic signature (Federal Law 63-FZ, article 9) and have the same force "
        "as documents signed by hand. I keep my codes secret and tell the company at once if someone else may "
        "know them."
    )


def mask_email(address: str) -> str:
    local, _at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_phone(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 10:
        return "***"
    return f"+{digits[:-10] or digits[:1]} ***-***-**-{digits[-2:]}"
