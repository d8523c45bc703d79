"""Building the request's viewer from the signed-in user, his contact and the active company."""

from __future__ import annotations

from django.http import HttpRequest

from kabinet.core.viewer import ANONYMOUS, CompanyAccess, Viewer
from kabinet.crm.models import Contact

ACTIVE_COMPANY_SESSION_KEY = "kabinet_active_company"


def build_viewer(request: HttpRequest) -> Viewer:
    """One query for a client (his contact joined to his memberships), none for anonymous visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    rows = list(
        Contact.objects.filter(user_id=user.pk)
        .order_by("memberships__company__name")
        .values(
            "id",
            "first_name",
            "middle_name",
            "last_name",
            "memberships__id",
            "memberships__role",
            "memberships__company_id",
            "memberships__company__public_id",
            "memberships__company__name",
        )
    )
    if not rows:
        return Viewer(user=user)
    first = rows[0]
    name = " ".join(p for p in (first["first_name"], first["middle_name"], first["last_name"]) if p)
    companies = tuple(
        CompanyAccess(
            company_id=row["memberships__company_id"],
            public_id=row["memberships__company__public_id"],
            name=row["memberships__company__name"],
            role=row["memberships__role"],
        )
        for row in rows
        if row["memberships__company_id"] is not None
    )
    wanted = request.session.get(ACTIVE_COMPANY_SESSION_KEY) if hasattr(request, "session") else None
    # Without a choice in the session, the company he joined first: a company he joins later (an accepted
    # invitation) never becomes any open session's active company unless he picks it.
    joined_first = min(
        (row for row in rows if row["memberships__company_id"] is not None),
        key=lambda row: row["memberships__id"],
        default=None,
    )
    default = next(
        (c for c in companies if joined_first and c.company_id == joined_first["memberships__company_id"]),
        None,
    )
    active = next((c for c in companies if c.public_id == wanted), default)
    return Viewer(user=user, contact_id=first["id"], contact_name=name, companies=companies, active=active)
