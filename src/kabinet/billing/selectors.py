"""Viewer-scoped reads of invoices."""

from __future__ import annotations

from django.db.models import Case, F, IntegerField, QuerySet, Value, When

from kabinet.billing.models import OPEN_STATUSES, Invoice
from kabinet.core.viewer import Viewer, scope_to_viewer


def invoices_visible_to(viewer: Viewer) -> QuerySet[Invoice]:
    """Invoices of the viewer's scope: the company's for its admin, his own for a member."""
    return scope_to_viewer(Invoice.objects.all(), viewer)


def invoice_for_viewer(viewer: Viewer, public_id: str) -> Invoice:
    """One invoice by public id with its PDF and order, or ``Invoice.DoesNotExist`` (unknown or foreign)."""
    return invoices_visible_to(viewer).select_related("file", "order").get(public_id=public_id)


def latest_invoice_for_viewer(viewer: Viewer) -> Invoice | None:
    """The invoice a client means by "my latest invoice": the oldest one still to pay (the one he should
    pay first), otherwise the newest; cancelled invoices never. One query, with its PDF."""
    is_open = Case(
        When(status__in=OPEN_STATUSES, then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    # Open invoices sort oldest first; the closed ones (only reached when nothing is open) newest first.
    oldest_open = Case(When(status__in=OPEN_STATUSES, then=F("issued_on")), default=Value(None))
    return (
        invoices_visible_to(viewer)
        .exclude(status=Invoice.Status.CANCELLED)
        .select_related("file")
        .annotate(is_open=is_open, oldest_open=oldest_open)
        .order_by("-is_open", F("oldest_open").asc(nulls_last=True), "-issued_on", "-created_at", "-id")
        .first()
    )
