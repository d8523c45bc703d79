"""Viewer-scoped reads of invoices."""

from __future__ import annotations

from django.db.models import QuerySet

from kabinet.billing.models import Invoice
from kabinet.core.viewer import Viewer, scope_to_viewer


def invoices_visible_to(viewer: Viewer) -> QuerySet[Invoice]:
    return scope_to_viewer(Invoice.objects.all(), viewer)
