"""Viewer-scoped reads of the CRM. Every client-visible list, detail, counter and export goes through these."""

from __future__ import annotations

from django.db.models import QuerySet

from kabinet.core.viewer import Viewer, scope_to_viewer
from kabinet.crm.models import Company, Membership, Order, TimelineEntry


def orders_visible_to(viewer: Viewer) -> QuerySet[Order]:
    """Orders the viewer may see: the company's for a company admin, his own for a member."""
    return scope_to_viewer(Order.objects.all(), viewer).select_related("stage", "pipeline")


def order_for_viewer(viewer: Viewer, public_id: str) -> Order:
    """One order by public id, or ``Order.DoesNotExist`` for unknown and foreign ids alike."""
    return orders_visible_to(viewer).get(public_id=public_id)


def timeline_visible_to(viewer: Viewer) -> QuerySet[TimelineEntry]:
    """The client's history: only client-visible entries, within the viewer's scope."""
    return scope_to_viewer(TimelineEntry.objects.filter(client_visible=True), viewer)


def companies_visible_to(viewer: Viewer) -> QuerySet[Company]:
    """Companies the viewer belongs to (any role)."""
    if not viewer.is_client:
        return Company.objects.none()
    return Company.objects.filter(memberships__contact_id=viewer.contact_id)


def memberships_of_active_company(viewer: Viewer) -> QuerySet[Membership]:
    """Colleagues in the active company: visible to its admins only."""
    if not viewer.is_company_admin:
        return Membership.objects.none()
    return Membership.objects.filter(company_id=viewer.active_company_id).select_related("contact")
