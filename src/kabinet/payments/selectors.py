"""Viewer-scoped reads of payments: a payment is visible exactly when its invoice is."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import DecimalField, F, Min, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from kabinet.core.viewer import Viewer, scope_to_viewer
from kabinet.payments.models import ZERO, AccountEntry, Payment


def payments_visible_to(viewer: Viewer) -> QuerySet[Payment]:
    """Payments of the invoices the viewer sees (the invoice's company and contact decide)."""
    return scope_to_viewer(
        Payment.objects.all(), viewer, company_field="invoice__company", contact_field="invoice__contact"
    )


def payment_for_viewer(viewer: Viewer, public_id: str) -> Payment:
    """One payment with its invoice, or ``Payment.DoesNotExist`` (unknown or foreign)."""
    return payments_visible_to(viewer).select_related("invoice").get(public_id=public_id)


def sandbox_payment_for_viewer(viewer: Viewer, provider_payment_id: str) -> Payment:
    """The payment behind the sandbox's local payment page, only for whoever may see its invoice."""
    return (
        payments_visible_to(viewer)
        .select_related("invoice")
        .get(provider="sandbox", provider_payment_id=provider_payment_id)
    )


def paid_payments_of(viewer: Viewer, invoice_id: int) -> QuerySet[Payment]:
    """The succeeded payments of one (visible) invoice, oldest first: when, how, how much, the receipt."""
    return (
        payments_visible_to(viewer)
        .filter(invoice_id=invoice_id, status=Payment.Status.SUCCEEDED)
        .order_by("paid_at", "id")
    )


def account_entries_visible_to(viewer: Viewer) -> QuerySet[AccountEntry]:
    """Balance and points entries of the viewer's scope (the company's for its admin, his own otherwise)."""
    return scope_to_viewer(AccountEntry.objects.all(), viewer)


def point_lots(entries: QuerySet[AccountEntry]) -> QuerySet[AccountEntry]:
    """The points lots among ``entries`` with what is left of each (``left``), soonest to expire first."""
    spent = (
        AccountEntry.objects.filter(lot=OuterRef("pk"))
        .values("lot")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    return (
        entries.filter(kind=AccountEntry.Kind.POINTS, amount__gt=0, lot__isnull=True)
        .annotate(
            left=F("amount") + Coalesce(Subquery(spent, output_field=money), Value(ZERO), output_field=money)
        )
        .filter(left__gt=0)
        .order_by(F("expires_at").asc(nulls_last=True), "id")
    )


def account_summary(viewer: Viewer, *, now: datetime.datetime) -> dict[str, Any]:
    """Balance, points active and pending, and what expires when, as of ``now``. Two queries."""
    entries = account_entries_visible_to(viewer)
    balance = entries.filter(kind=AccountEntry.Kind.BALANCE).aggregate(total=Sum("amount"))["total"] or ZERO
    active, pending, expiring = ZERO, ZERO, []
    for lot in point_lots(entries)[:500]:
        if lot.expires_at is not None and lot.expires_at <= now:
            continue  # expired: what was left of it is no longer usable
        if lot.available_from is not None and lot.available_from > now:
            pending += lot.left
            continue
        active += lot.left
        if lot.expires_at is not None:
            expiring.append({"date": lot.expires_at, "points": lot.left})
    return {"balance": balance, "points": active, "pending": pending, "expiring": expiring[:5]}


def account_totals(viewer: Viewer, *, now: datetime.datetime) -> dict[str, Any]:
    """The dashboard's figures in one query: balance, active and pending points, the next expiry date."""
    usable = (Q(available_from__isnull=True) | Q(available_from__lte=now)) & (
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )
    lot_usable = (Q(lot__available_from__isnull=True) | Q(lot__available_from__lte=now)) & (
        Q(lot__expires_at__isnull=True) | Q(lot__expires_at__gt=now)
    )
    points = Q(kind=AccountEntry.Kind.POINTS)
    is_lot = points & Q(lot__isnull=True, amount__gt=0)
    totals = account_entries_visible_to(viewer).aggregate(
        balance=Sum("amount", filter=Q(kind=AccountEntry.Kind.BALANCE)),
        points=Sum("amount", filter=(is_lot & usable) | (points & Q(lot__isnull=False) & lot_usable)),
        pending=Sum("amount", filter=is_lot & Q(available_from__gt=now)),
        next_expiry=Min("expires_at", filter=is_lot & usable),
    )
    return {
        key: (value if value is not None else ZERO) for key, value in totals.items() if key != "next_expiry"
    } | {"next_expiry": totals["next_expiry"]}
