"""Documents' timeline sentences and notices (data only, registered by ``DocumentsConfig.ready()``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kabinet.core.notify import EventKind

TIMELINE = {
    "document.issued": _("Document “%(title)s” was issued"),
    "document.awaiting_signature": _("Document “%(title)s” awaits your signature"),
}

NOTICES = (
    EventKind(
        code="document.awaiting_signature",
        label=_("Document awaits your signature"),
        sentence=_("The document “%(title)s” awaits your signature"),
        defaults=frozenset({"email", "webpush"}),
        order=30,
    ),
    EventKind(
        code="document.issued",
        label=_("New document"),
        sentence=_("New document: “%(title)s”"),
        defaults=frozenset(),
        order=40,
    ),
)
