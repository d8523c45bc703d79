"""The CRM's part of "download my data" and "delete my account" (kabinet.accounts.personal_data).

A person's own data is read through the same viewer-scoped selectors as every page: one viewer per company
he belongs to, as a plain member (his own rows only), plus one without a company (his private rows).
"""

from __future__ import annotations

from typing import Any

from kabinet.accounts.personal_data import ExportPart, PersonalDataSource, register_personal_data
from kabinet.core.viewer import ROLE_MEMBER, CompanyAccess, Viewer
from kabinet.crm import actions
from kabinet.crm.models import Contact
from kabinet.crm.selectors import orders_visible_to, timeline_visible_to


def own_data_viewers(user: Any) -> list[Viewer]:
    """Viewers that see exactly the person's own rows, company by company (never a colleague's)."""
    contact = Contact.objects.filter(user_id=user.pk).first()
    if contact is None:
        return []
    companies = tuple(
        CompanyAccess(
            company_id=m.company_id, public_id=m.company.public_id, name=m.company.name, role=ROLE_MEMBER
        )
        for m in contact.memberships.select_related("company").order_by("company__name")
    )
    base = {"user": user, "contact_id": contact.pk, "contact_name": contact.full_name, "companies": companies}
    return [Viewer(**base, active=None), *(Viewer(**base, active=company) for company in companies)]


def export(user: Any) -> list[ExportPart]:
    contact = Contact.objects.filter(user_id=user.pk).prefetch_related("emails", "phones").first()
    if contact is None:
        return []
    card = {
        "public_id": contact.public_id,
        "first_name": contact.first_name,
        "middle_name": contact.middle_name,
        "last_name": contact.last_name,
        "position": contact.position,
        "delivery_address": contact.delivery_address,
        "emails": [
            {"email": e.email, "primary": e.is_primary, "verified_at": e.verified_at}
            for e in contact.emails.all()
        ],
        "phones": [
            {"phone": p.phone, "primary": p.is_primary, "verified_at": p.verified_at}
            for p in contact.phones.all()
        ],
        "companies": [
            {"company": m.company.name, "role": m.role, "since": m.created_at}
            for m in contact.memberships.select_related("company")
        ],
    }
    orders, history = [], []
    for viewer in own_data_viewers(user):
        for order in orders_visible_to(viewer).prefetch_related("items"):
            orders.append(
                {
                    "number": order.number,
                    "title": order.title,
                    "company": viewer.active.name if viewer.active else None,
                    "stage": order.stage.client_name,
                    "amount": order.amount,
                    "currency": order.currency,
                    "created_at": order.created_at,
                    "items": [
                        {"name": i.name, "quantity": i.quantity, "price": i.price, "unit": i.unit}
                        for i in order.items.all()
                    ],
                }
            )
        history.extend(
            {"at": e.created_at, "event": e.event, "text": e.text} for e in timeline_visible_to(viewer)
        )
    return [
        ExportPart(name="client_card", records=card),
        ExportPart(name="orders", records=orders),
        ExportPart(name="history", records=history),
    ]


def erase(user: Any, actor: Any) -> None:
    for contact in Contact.objects.filter(user_id=user.pk):
        actions.anonymise_contact(actor=actor, contact=contact)


def register() -> None:
    register_personal_data(PersonalDataSource(key="crm", export=export, erase=erase, order=10))
