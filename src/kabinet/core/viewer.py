"""The viewer: who is looking at the portal, as which contact, for which company and in which role.

Every client-visible read takes a viewer and goes through one selector per model (DESIGN.md section 5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

ROLE_ADMIN = "admin"
ROLE_MEMBER = "member"


@dataclass(frozen=True)
class CompanyAccess:
    """One company the viewer's contact belongs to, and the role he has there."""

    company_id: int
    public_id: str
    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN


@dataclass(frozen=True)
class Viewer:
    user: Any
    contact_id: int | None = None
    contact_name: str = ""
    companies: tuple[CompanyAccess, ...] = field(default_factory=tuple)
    active: CompanyAccess | None = None

    @property
    def is_authenticated(self) -> bool:
        return bool(getattr(self.user, "is_authenticated", False))

    @property
    def is_client(self) -> bool:
        """A signed-in person linked to a CRM contact: the only kind of viewer that sees client data."""
        return self.is_authenticated and self.contact_id is not None

    @property
    def is_staff(self) -> bool:
        return self.is_authenticated and bool(getattr(self.user, "is_staff", False))

    @property
    def active_company_id(self) -> int | None:
        return self.active.company_id if self.active else None

    @property
    def is_company_admin(self) -> bool:
        return bool(self.active and self.active.is_admin)


ANONYMOUS = Viewer(user=None)


def scope_to_viewer(
    queryset: QuerySet, viewer: Viewer, *, company_field: str = "company", contact_field: str = "contact"
) -> QuerySet:
    """The one visibility rule for client-owned rows; each selector applies it to its model.

    - not a client (anonymous, staff without a contact): nothing;
    - no active company (a private person): his own rows that belong to no company;
    - company admin: every row of the active company;
    - member: his own rows in the active company (privacy inside a company).
    """
    if not viewer.is_client:
        return queryset.none()
    if viewer.active is None:
        return queryset.filter(**{f"{company_field}__isnull": True, f"{contact_field}_id": viewer.contact_id})
    if viewer.active.is_admin:
        return queryset.filter(**{f"{company_field}_id": viewer.active.company_id})
    return queryset.filter(
        **{f"{company_field}_id": viewer.active.company_id, f"{contact_field}_id": viewer.contact_id}
    )
