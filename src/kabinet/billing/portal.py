"""What billing contributes to the client portal: navigation, the "to pay" card, the "last invoice" quick
action, and links from the history and the file archive."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, DecimalField, F, IntegerField, Max, Min, Q, Sum, Value, When, Window
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import OPEN_STATUSES
from kabinet.billing.selectors import invoices_visible_to
from kabinet.core.registry import (
    DashboardCard,
    NavItem,
    QuickAction,
    register_card,
    register_nav,
    register_object_link,
    register_quick_action,
)

CARD_INVOICES = 5
_SUMMARY_ATTR = "_kabinet_invoice_summary"


def invoice_summary(request: HttpRequest) -> dict[str, Any]:
    """Invoices still to pay (soonest due first) and the totals, in one query; kept on the request so the card
    and the quick action share it."""
    cached = getattr(request, _SUMMARY_ATTR, None)
    if cached is not None:
        return cached
    today = timezone.localdate()
    is_open = Q(status__in=OPEN_STATUSES)
    money = DecimalField(max_digits=16, decimal_places=2)
    everything = Window(Count("id"))
    rows = list(
        invoices_visible_to(request.viewer)
        .only("public_id", "number", "amount", "paid_amount", "currency", "issued_on", "due_date", "status")
        .annotate(
            is_open=Case(When(is_open, then=Value(1)), default=Value(0), output_field=IntegerField()),
            total=everything,
            open_count=Window(
                Sum(Case(When(is_open, then=Value(1)), default=Value(0), output_field=IntegerField()))
            ),
            overdue_count=Window(
                Sum(
                    Case(
                        When(is_open & Q(due_date__lt=today), then=Value(1)),
                        default=Value(0),
                        output_field=IntegerField(),
                    )
                )
            ),
            open_balance=Window(
                Sum(
                    Case(
                        When(is_open, then=F("amount") - F("paid_amount")),
                        default=Value(Decimal("0")),
                        output_field=money,
                    )
                )
            ),
            open_currency_min=Window(Min(Case(When(is_open, then=F("currency")), default=Value(None)))),
            open_currency_max=Window(Max(Case(When(is_open, then=F("currency")), default=Value(None)))),
        )
        .order_by("-is_open", F("due_date").asc(nulls_last=True), "-id")[:CARD_INVOICES]
    )
    first = rows[0] if rows else None
    summary = {
        "invoices": [row for row in rows if row.is_open],
        "total": first.total if first else 0,
        "open_count": (first.open_count or 0) if first else 0,
        "overdue_count": (first.overdue_count or 0) if first else 0,
        # One sum only when every open invoice is in the same currency.
        "open_balance": first.open_balance
        if first and first.open_count and first.open_currency_min == first.open_currency_max
        else None,
        "currency": first.open_currency_min if first else "",
    }
    setattr(request, _SUMMARY_ATTR, summary)
    return summary


def to_pay_card(request: HttpRequest) -> dict[str, Any]:
    return invoice_summary(request)


def last_invoice_url(request: HttpRequest) -> str | None:
    return reverse("billing:latest") if invoice_summary(request)["total"] else None


def register() -> None:
    register_nav(NavItem(key="invoices", label=_("Invoices"), url_name="billing:invoices", order=30))
    register_card(
        DashboardCard(key="invoices", template="billing/cards/to_pay.html", context=to_pay_card, order=20)
    )
    register_quick_action(
        QuickAction(key="last_invoice", label=_("Download the last invoice"), url=last_invoice_url, order=30)
    )
    register_object_link("billing.invoice", "billing:invoice")
