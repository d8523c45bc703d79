"""Signing's timeline sentences (data only, registered by ``SigningConfig.ready()``). ``document.signed`` is
also the outgoing webhook event of that name (``webhooks/events.py``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

TIMELINE = {
    "document.signature_requested": _("Signature requested for “%(title)s”"),
    "document.signed": _("Document “%(title)s” was signed"),
    "document.signature_declined": _("Signing of “%(title)s” was declined"),
}
