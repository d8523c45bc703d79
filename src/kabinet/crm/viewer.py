"""Building the request's viewer from the signed-in user, his contact and the active company."""

from __future__ import annotations

from django.http import HttpRequest

from kabinet.core.viewer import ANONYMOUS, CompanyAccess, Viewer
from kabinet.crm.models import Contact, Membership

ACTIVE_COMPANY_SESSION_KEY = "kabinet_active_company"


def build_viewer(request: HttpRequest) -> Viewer:
    """Two queries for a client (contact, memberships), none for anonymous visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    contact = (
        Contact.objects.filter(user_id=user.pk).only("id", "first_name", "middle_name", "last_name").first()
    )
    if contact is None:
        return Viewer(user=user)
    companies = tuple(
        CompanyAccess(
            company_id=m.company_id, public_id=m.company.public_id, name=m.company.name, role=m.role
        )
        for m in Membership.objects.filter(contact_id=contact.pk)
        .select_related("company")
        .order_by("company__name")
    )
    wanted = request.session.get(ACTIVE_COMPANY_SESSION_KEY) if hasattr(request, "session") else None
    active = next((c for c in companies if c.public_id == wanted), companies[0] if companies else None)
    return Viewer(
        user=user, contact_id=contact.pk, contact_name=contact.full_name, companies=companies, active=active
    )
