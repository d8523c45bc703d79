"""The portal's name on everything that leaves it: emails (subject, greeting, sender name), texts, pushes.

Staff set the name in the back office (``portal.PortalSettings``), which apps on the left of the portal must not
import; the portal installs the source with :func:`set_title_source` from its ``AppConfig.ready()``, and every
outgoing message reads :func:`portal_title` — inside ``translation.override(<recipient's language>)``, so a
name kept per language reads in the recipient's one. There once was a setting for it, defined nowhere.
"""

from __future__ import annotations

from collections.abc import Callable
from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings

DEFAULT_TITLE = "Kabinet"

_title_source: Callable[[], str] | None = None


def set_title_source(source: Callable[[], str] | None) -> None:
    global _title_source
    _title_source = source


def portal_title() -> str:
    """The portal's name as clients see it on the pages (falls back to "Kabinet" before it is set up)."""
    title = _title_source() if _title_source is not None else ""
    return str(title or DEFAULT_TITLE)


def from_email() -> str:
    """``DEFAULT_FROM_EMAIL``'s address under the portal's name: ``Кабинет клиента <noreply@…>``."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    # Unencoded, quoted where the name needs it: Django encodes the header when it sends.
    return str(Address(display_name=portal_title(), addr_spec=address or settings.DEFAULT_FROM_EMAIL))


def language_of(user: object | None) -> str:
    """The language a message to ``user`` is written in: his stored choice, else the portal's default — never
    the language of whoever's request happens to send it (an SMS once followed the browser, not the person)."""
    supported = {code for code, _name in settings.LANGUAGES}
    language = getattr(user, "language", None)
    return language if language in supported else settings.LANGUAGE_CODE
