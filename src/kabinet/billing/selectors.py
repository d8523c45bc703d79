"""Viewer-scoped reads of invoices."""

from __future__ import annotations

from django.db.models import QuerySet

from kabinet.billing.models import Invoice
from kabinet.core.viewer import Viewer, scope_to_viewer


def invoices_visible_to(viewer: Viewer) -> QuerySet[Invoice]:
    """Invoices of the viewer's scope: the company's for its admin, his own for a member."""
    return scope_to_viewer(Invoice.objects.all(), viewer)


def invoice_for_viewer(viewer: Viewer, public_id: str) -> Invoice:
    """One invoice by public id with its PDF and order, or ``Invoice.DoesNotExist`` (unknown or foreign)."""
    return invoices_visible_to(viewer).select_related("file", "order").get(public_id=public_id)
