"""Viewer-scoped reads of the CRM. Every client-visible list, detail, counter and export goes through these."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from kabinet.accounts.models import Invitation
from kabinet.core.sync import changed_since
from kabinet.core.viewer import Viewer, scope_to_viewer
from kabinet.crm.models import (
    BankAccount,
    Company,
    Contact,
    ContactEmail,
    ContactPhone,
    Membership,
    Order,
    OrderItem,
    Pipeline,
    Stage,
    TimelineEntry,
)


def orders_visible_to(viewer: Viewer, *, updated_since: datetime.datetime | None = None) -> QuerySet[Order]:
    """Orders the viewer may see: the company's for a company admin, his own for a member.

    ``updated_since`` keeps the ones changed since then (the API's incremental sync). Hidden orders (a CRM
    stage the business keeps from clients) are left out everywhere: lists, counters, details, API, sockets.
    """
    return changed_since(
        scope_to_viewer(Order.objects.filter(hidden=False), viewer), updated_since
    ).select_related("stage", "pipeline")


def order_for_viewer(viewer: Viewer, public_id: str) -> Order:
    """One order by public id, or ``Order.DoesNotExist`` for unknown and foreign ids alike.

    Brings the people the order page shows (the contact, the company, the managers) in the same query.
    """
    return (
        orders_visible_to(viewer)
        .select_related("manager", "contact__manager", "company__manager")
        .get(public_id=public_id)
    )


def order_items_visible_to(viewer: Viewer, order: Order) -> QuerySet[OrderItem]:
    """The items of an order the viewer can see (the order is re-checked inside the same query)."""
    return OrderItem.objects.filter(order__in=orders_visible_to(viewer).filter(pk=order.pk)).order_by(
        "position", "id"
    )


def timeline_visible_to(
    viewer: Viewer, *, updated_since: datetime.datetime | None = None
) -> QuerySet[TimelineEntry]:
    """The client's history: only client-visible entries, within the viewer's scope, none about a hidden
    order (a subquery on the partial index of hidden orders: no extra query)."""
    return changed_since(
        scope_to_viewer(
            TimelineEntry.objects.filter(client_visible=True).exclude(
                kind="order", subject_public_id__in=hidden_order_ids()
            ),
            viewer,
        ),
        updated_since,
    )


def hidden_order_ids() -> QuerySet[Order]:
    """The public ids of hidden orders, as a subquery for reads that name orders by public id (history,
    notices)."""
    return Order.objects.filter(hidden=True).values("public_id")


def history_of(viewer: Viewer, subject: Order) -> QuerySet[TimelineEntry]:
    """The visible history of one object (an order...), newest first."""
    return timeline_visible_to(viewer).filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
    )


def order_stages() -> QuerySet[Stage]:
    """Stages of the order pipelines, for the status filter. Configuration, the same for every client."""
    return (
        Stage.objects.filter(pipeline__kind=Pipeline.Kind.ORDER)
        .select_related("pipeline")
        .order_by("pipeline__position", "pipeline_id", "position", "id")
    )


def stages_of_pipeline(pipeline_id: int) -> QuerySet[Stage]:
    """A pipeline's stages in order, for an order's stage path. Configuration, not client data."""
    return Stage.objects.filter(pipeline_id=pipeline_id).order_by("position", "id")


def contact_of_viewer(viewer: Viewer) -> Contact:
    """The viewer's own contact with his emails and phones (``Contact.DoesNotExist`` for non-clients)."""
    if not viewer.is_client:
        raise Contact.DoesNotExist
    return Contact.objects.prefetch_related("emails", "phones").get(pk=viewer.contact_id)


def companies_visible_to(viewer: Viewer) -> QuerySet[Company]:
    """Companies the viewer belongs to (any role)."""
    if not viewer.is_client:
        return Company.objects.none()
    return Company.objects.filter(memberships__contact_id=viewer.contact_id)


def company_for_viewer(viewer: Viewer, public_id: str) -> Company:
    """One of the viewer's companies by public id (``Company.DoesNotExist`` otherwise)."""
    return companies_visible_to(viewer).get(public_id=public_id)


def bank_accounts_visible_to(viewer: Viewer, company: Company) -> QuerySet[BankAccount]:
    """Bank details of one of the viewer's companies."""
    return BankAccount.objects.filter(
        company__in=companies_visible_to(viewer).filter(pk=company.pk)
    ).order_by("-is_primary", "id")


def memberships_of_active_company(viewer: Viewer) -> QuerySet[Membership]:
    """Colleagues in the active company: visible to its admins only."""
    if not viewer.is_company_admin:
        return Membership.objects.none()
    return Membership.objects.filter(company_id=viewer.active_company_id).select_related("contact")


def pending_company_invitations(viewer: Viewer) -> QuerySet[Invitation]:
    """Open invitations to the active company, for its admin: only what the inviter typed (address, name)."""
    if not viewer.is_company_admin:
        return Invitation.objects.none()
    return Invitation.objects.filter(
        company_public_id=viewer.active.public_id,
        accepted_at=None,
        revoked_at=None,
        declined_at=None,
        expires_at__gt=timezone.now(),
    ).only("public_id", "email", "full_name", "role", "created_at", "expires_at")


def address_conflicts(contact: Contact) -> list[tuple[str, Contact, bool]]:
    """Every email and phone of ``contact`` that another contact also carries: (address, other, verified there).

    What staff review in the back office: two people with one number cannot both sign in by SMS with it.
    """
    emails = [e.email for e in contact.emails.all()]
    phones = [p.phone for p in contact.phones.all()]
    found: list[tuple[str, Contact, bool]] = []
    for row in (
        ContactEmail.objects.filter(email__in=emails).exclude(contact=contact).select_related("contact")
    ):
        found.append((row.email, row.contact, row.verified_at is not None))
    for row in (
        ContactPhone.objects.filter(phone__in=phones).exclude(contact=contact).select_related("contact")
    ):
        found.append((row.phone, row.contact, row.verified_at is not None))
    return found


def shared_address_contact_ids() -> QuerySet[Any]:
    """Ids of the contacts that carry an email or phone some other contact carries too (staff's filter)."""
    emails = ContactEmail.objects.values("email").annotate(n=Count("contact", distinct=True)).filter(n__gt=1)
    phones = ContactPhone.objects.values("phone").annotate(n=Count("contact", distinct=True)).filter(n__gt=1)
    return Contact.objects.filter(
        Q(emails__email__in=emails.values("email")) | Q(phones__phone__in=phones.values("phone"))
    ).values("pk")


def orders_waiting_for_staff(user: Any) -> QuerySet[Order]:
    """Staff side: the open orders this staff member manages where the next step is the team's (the stage does
    not wait for the client's confirm / decline). Nothing for people without the right to see orders."""
    if not (getattr(user, "is_staff", False) and user.has_perm("crm.view_order")):
        return Order.objects.none()
    return Order.objects.filter(manager=user, closed_at__isnull=True).exclude(stage__asks_client=True)
