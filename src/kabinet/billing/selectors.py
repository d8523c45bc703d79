"""Viewer-scoped reads of invoices."""

from __future__ import annotations

import datetime

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from kabinet.billing.models import OPEN_STATUSES, OVERDUE, Invoice
from kabinet.core.sync import changed_since
from kabinet.core.viewer import Viewer, scope_to_viewer

STATUSES = (*Invoice.Status.values, OVERDUE)  # what ``status`` accepts: the statuses a client reads


def status_filter(status: str) -> Q | None:
    """The rows of a status as the client reads it ("overdue" is an open invoice past its due date)."""
    today = timezone.localdate()
    late = Q(due_date__lt=today)
    if status == OVERDUE:
        return Q(status__in=OPEN_STATUSES) & late
    if status in OPEN_STATUSES:
        return Q(status=status) & ~late
    if status in Invoice.Status.values:
        return Q(status=status)
    return None


def invoices_visible_to(
    viewer: Viewer, *, status: str | None = None, updated_since: datetime.datetime | None = None
) -> QuerySet[Invoice]:
    """Invoices of the viewer's scope: the company's for its admin, his own for a member.

    ``status`` is a status as the client reads it (``overdue`` included); an unknown one filters nothing.
    ``updated_since`` keeps the invoices changed since then.
    """
    queryset = changed_since(scope_to_viewer(Invoice.objects.all(), viewer), updated_since)
    condition = status_filter(status) if status else None
    return queryset.filter(condition) if condition is not None else queryset


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
