"""What billing contributes to the client portal: navigation, the "to pay" card, the "last invoice" quick
action, and links from the history and the file archive."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, DecimalField, Exists, F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import OPEN_STATUSES
from kabinet.billing.selectors import invoices_visible_to
from kabinet.core.counting import scalar
from kabinet.core.registry import (
    DashboardCard,
    NavItem,
    QuickAction,
    object_url,
    register_card,
    register_nav,
    register_object_link,
    register_quick_action,
)

PAY_LINK = "billing.invoice.pay"  # the page that takes a payment, registered by the payments app

CARD_INVOICES = 5
_SUMMARY_ATTR = "_kabinet_invoice_summary"


def invoice_summary(request: HttpRequest) -> dict[str, Any]:
    """Invoices still to pay (soonest due first) and the totals, in one query; kept on the request so the card
    and the quick action share it.

    The rows walk the open invoices by due date; the totals are scalar subqueries over the open invoices and
    the viewer's scope, so a client with 10,000 paid invoices costs what a client with two does.
    """
    cached = getattr(request, _SUMMARY_ATTR, None)
    if cached is not None:
        return cached
    today = timezone.localdate()
    visible = invoices_visible_to(request.viewer)
    unpaid = visible.filter(status__in=OPEN_STATUSES)
    money = DecimalField(max_digits=16, decimal_places=2)
    rows = list(
        unpaid.only(
            "public_id", "number", "amount", "paid_amount", "currency", "issued_on", "due_date", "status"
        )
        .annotate(
            any_invoice=Exists(visible),
            open_count=scalar(unpaid),
            overdue_count=scalar(unpaid.filter(due_date__lt=today)),
            open_balance=scalar(unpaid, "SUM", F("amount") - F("paid_amount"), money),
            open_currency_min=scalar(unpaid, "MIN", F("currency"), CharField()),
            open_currency_max=scalar(unpaid, "MAX", F("currency"), CharField()),
        )
        .order_by(F("due_date").asc(nulls_last=True), "-id")[:CARD_INVOICES]
    )
    for row in rows:  # a reverse() each, no query; None while no app takes payments
        row.pay_url = object_url(PAY_LINK, row.public_id)
    first = rows[0] if rows else None
    summary = {
        "invoices": rows,
        # Whether there is any invoice at all (the quick action), not how many: counting 10,000 paid invoices
        # would cost what the rows save. Without an open invoice the rows say nothing: the quick action asks.
        "has_invoices": first.any_invoice if first else None,
        "open_count": first.open_count if first else 0,
        "overdue_count": first.overdue_count if first else 0,
        # One sum only when every open invoice is in the same currency.
        "open_balance": first.open_balance
        if first and first.open_currency_min == first.open_currency_max
        else None,
        "currency": first.open_currency_min if first else "",
    }
    setattr(request, _SUMMARY_ATTR, summary)
    return summary


def to_pay_card(request: HttpRequest) -> dict[str, Any]:
    return invoice_summary(request)


def last_invoice_url(request: HttpRequest) -> str | None:
    summary = invoice_summary(request)
    if (
        summary["has_invoices"] is None
    ):  # nothing to pay: one more query, only then (within the page's budget)
        summary["has_invoices"] = invoices_visible_to(request.viewer).exists()
    return reverse("billing:latest") if summary["has_invoices"] else None


def register() -> None:
    register_nav(NavItem(key="invoices", label=_("Invoices"), url_name="billing:invoices", order=30))
    register_card(
        DashboardCard(key="invoices", template="billing/cards/to_pay.html", context=to_pay_card, order=20)
    )
    register_quick_action(
        QuickAction(key="last_invoice", label=_("Download the last invoice"), url=last_invoice_url, order=30)
    )
    register_object_link("billing.invoice", "billing:invoice")
