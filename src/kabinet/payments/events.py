"""Payments' timeline sentences and notices (data only, registered by ``PaymentsConfig.ready()``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kabinet.core.notify import EventKind

TIMELINE = {
    "payment.succeeded": _("Payment of %(money)s for invoice №%(number)s was received"),
    "payment.refunded": _("%(money)s for invoice №%(number)s was refunded"),
    "payment.review": _("A payment for invoice №%(number)s is being checked"),
    "points.returned": _("%(points)s bonus points paid for invoice №%(number)s were returned"),
    "points.taken_back": _(
        "%(points)s bonus points earned with invoice №%(number)s were taken back after a refund"
    ),
    "balance.returned": _("%(money)s paid from the balance for invoice №%(number)s were returned to it"),
}

NOTICES = (
    EventKind(
        code="payment.succeeded",
        label=_("Payment received"),
        sentence=_("We received your payment of %(money)s for invoice №%(number)s"),
        defaults=frozenset({"email"}),
        order=51,
    ),
)
