"""Billing's timeline sentences and its notice (data only, registered by ``BillingConfig.ready()``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kabinet.core.notify import EventKind

TIMELINE = {
    "invoice.issued": _("Invoice №%(number)s for %(money)s was issued"),
    "invoice.status_changed": _("Invoice №%(number)s is now “%(status)s”"),
}

NOTICES = (
    EventKind(
        code="invoice.issued",
        label=_("Invoice issued"),
        sentence=_("Invoice №%(number)s was issued"),
        defaults=frozenset({"email"}),
        order=50,
    ),
)
