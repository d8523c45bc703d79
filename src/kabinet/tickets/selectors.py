"""Viewer-scoped reads of tickets. Every client-facing list, detail, counter, download and email link goes
through :func:`tickets_visible_to`; internal notes never leave this module towards a client.

The staff side reads through :func:`tickets_for_staff`, which checks the agent's permission.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from kabinet.core.counting import scalar
from kabinet.core.sync import changed_since
from kabinet.core.viewer import ROLE_ADMIN, ROLE_MEMBER, CompanyAccess, Viewer, scope_to_viewer
from kabinet.crm.models import Contact, ContactEmail
from kabinet.files.models import ClientFile
from kabinet.tickets.conf import TicketPortalConfig, ticket_settings
from kabinet.tickets.models import Ticket, TicketMessage

VIEW_MINE = "mine"
VIEW_COMPANY = "company"


def _portal_filters(queryset: QuerySet[Ticket], config: TicketPortalConfig) -> QuerySet[Ticket]:
    """Staff's "which tickets appear in the portal at all" filters."""
    if config.pipeline_ids:
        queryset = queryset.filter(pipeline_id__in=sorted(config.pipeline_ids))
    if config.category_ids:
        queryset = queryset.filter(category_id__in=sorted(config.category_ids))
    if config.sources:
        queryset = queryset.filter(source__in=sorted(config.sources))
    if config.priorities:
        queryset = queryset.filter(priority__in=sorted(config.priorities))
    return queryset


def shown_in_portal(ticket: Ticket, config: TicketPortalConfig | None = None) -> bool:
    """Whether the portal's filters let ``ticket`` appear at all (the row's own fields: no query)."""
    config = config or ticket_settings()
    return (
        (not config.pipeline_ids or ticket.pipeline_id in config.pipeline_ids)
        and (not config.category_ids or ticket.category_id in config.category_ids)
        and (not config.sources or ticket.source in config.sources)
        and (not config.priorities or ticket.priority in config.priorities)
    )


def _with_role(viewer: Viewer, role: str) -> Viewer:
    """The same viewer acting with ``role`` in his active company (the settings may widen a member's view,
    and "mine" narrows an admin's)."""
    active = viewer.active
    if active is None:
        return viewer
    return Viewer(
        user=viewer.user,
        contact_id=viewer.contact_id,
        contact_name=viewer.contact_name,
        companies=viewer.companies,
        active=CompanyAccess(
            company_id=active.company_id, public_id=active.public_id, name=active.name, role=role
        ),
    )


def sees_company_tickets(viewer: Viewer, config: TicketPortalConfig | None = None) -> bool:
    """Whether the viewer may look at every ticket of his active company (and so gets the switch)."""
    config = config or ticket_settings()
    return viewer.is_client and viewer.active is not None and (viewer.active.is_admin or config.company_wide)


def _visible_arms(
    viewer: Viewer, view: str, updated_since: datetime.datetime | None = None
) -> list[QuerySet[Ticket]]:
    """The visibility rule as disjoint querysets, each answered by one index of its own: the company's
    tickets; or the viewer's own tickets plus, apart, the tickets he is copied on in the same scope."""
    config = ticket_settings()
    queryset = changed_since(_portal_filters(Ticket.objects.all(), config), updated_since)
    if not viewer.is_client:
        return [queryset.none()]
    as_admin = _with_role(viewer, ROLE_ADMIN)
    if view != VIEW_MINE and sees_company_tickets(viewer, config):
        return [scope_to_viewer(queryset, as_admin)]
    # his own (a company admin narrowing to "mine" counts as a member), or copied to him in the same scope
    own = scope_to_viewer(queryset, _with_role(viewer, ROLE_MEMBER))
    copied = scope_to_viewer(queryset.filter(cc_links__contact_id=viewer.contact_id), as_admin).exclude(
        contact_id=viewer.contact_id
    )
    return [own, copied]


def tickets_visible_to(
    viewer: Viewer, *, view: str = VIEW_COMPANY, updated_since: datetime.datetime | None = None
) -> QuerySet[Ticket]:
    """Tickets the viewer may see in the portal.

    - only tickets that pass the portal filters (pipelines, categories, sources, priorities);
    - company admins, and every member when the settings say "company", see all tickets of the active
      company (``view="mine"`` narrows that to the viewer's own);
    - otherwise the viewer's own tickets (``scope_to_viewer``), plus the tickets he is copied on in the
      same scope (the active company, or no company for a private person).

    Lookups by id and filters use this form. Sorted pages and counters of many rows use
    :func:`ticket_rows_visible_to`, which asks the same question as a ``UNION ALL``: an ``OR`` of the two
    lookups leaves the plan to the database's statistics (SQLite sorted all 10,000 rows of a heavy client).
    ``updated_since`` keeps the tickets changed since then.
    """
    own, *copied = _visible_arms(viewer, view, updated_since)
    if copied:
        own = own | Ticket.objects.filter(pk__in=copied[0].values("pk"))
    return own.select_related("stage")


@dataclass(frozen=True)
class TicketRows:
    """The viewer's tickets, narrowed and sorted, as a sequence a ``Paginator`` can page through: each arm
    of the rule walks its own index in the sort's order, the database merges them and stops at the page,
    and the count only reads ids."""

    arms: list[QuerySet[Ticket]]
    ordering: tuple[str, ...]
    related: tuple[str, ...]

    def _rows(self) -> QuerySet[Ticket]:
        arms = [arm.select_related(*self.related).order_by() for arm in self.arms]
        combined = arms[0].union(*arms[1:], all=True) if len(arms) > 1 else arms[0]
        return combined.order_by(*self.ordering)

    def _ids(self) -> QuerySet:
        ids = [arm.order_by().values("pk") for arm in self.arms]
        return ids[0].union(*ids[1:], all=True) if len(ids) > 1 else ids[0]

    def count(self) -> int:
        return self._ids().count()

    def count_upto(self, limit: int) -> int:
        """The count, reading at most ``limit`` ids (for a list that numbers only its first pages)."""
        return self._ids()[:limit].count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Ticket]:
        return list(self._rows()[index])


def ticket_rows_visible_to(
    viewer: Viewer,
    *,
    view: str = VIEW_COMPANY,
    narrow: Callable[[QuerySet[Ticket]], QuerySet[Ticket]] | None = None,
    ordering: tuple[str, ...] = ("-created_at", "-id"),
    related: tuple[str, ...] = ("stage",),
) -> TicketRows:
    """The same rows as ``tickets_visible_to(viewer, view=view)``, narrowed by ``narrow`` (applied to each
    arm) and sorted by ``ordering``, for lists, cards and counters (see :class:`TicketRows`)."""
    arms = _visible_arms(viewer, view)
    if narrow is not None:
        arms = [narrow(arm) for arm in arms]
    return TicketRows(arms=arms, ordering=ordering, related=related)


def ticket_for_viewer(viewer: Viewer, public_id: str) -> Ticket:
    """One ticket by public id, or ``Ticket.DoesNotExist`` for unknown and foreign ids alike."""
    return (
        tickets_visible_to(viewer)
        .select_related("stage", "contact", "owner", "category", "pipeline")
        .get(public_id=public_id)
    )


def ticket_messages_visible_to(viewer: Viewer, ticket: Ticket) -> QuerySet[TicketMessage]:
    """The public conversation of a ticket the viewer can see (internal notes excluded)."""
    return TicketMessage.objects.filter(
        ticket__in=tickets_visible_to(viewer).filter(pk=ticket.pk).values("pk"), is_internal=False
    ).select_related("author_user", "author_contact")


def public_ticket_messages_visible_to(viewer: Viewer) -> QuerySet[TicketMessage]:
    """Every public message of every ticket the viewer can see (what files on ticket messages compose with)."""
    return TicketMessage.objects.filter(ticket__in=tickets_visible_to(viewer).values("pk"), is_internal=False)


def ticket_attachments_visible_to(viewer: Viewer, ticket: Ticket) -> QuerySet[ClientFile]:
    """Files attached to the public messages of a ticket the viewer can see."""
    return ClientFile.objects.filter(
        subject_type=ContentType.objects.get_for_model(TicketMessage),
        subject_id__in=ticket_messages_visible_to(viewer, ticket).values("pk"),
    )


def ticket_cc_visible_to(viewer: Viewer, ticket: Ticket) -> QuerySet[Contact]:
    """The contacts copied on a ticket the viewer can see."""
    return Contact.objects.filter(
        ticket_cc_links__ticket__in=tickets_visible_to(viewer).filter(pk=ticket.pk).values("pk")
    ).order_by("last_name", "first_name")


def colleagues_by_email(viewer: Viewer, emails: list[str]) -> dict[str, Contact]:
    """Contacts of the viewer's active company with these addresses (what a client may put in CC): only
    addresses that match are returned, so nothing is revealed about anybody else."""
    if not viewer.is_client or viewer.active is None or not emails:
        return {}
    wanted = {e.strip().lower() for e in emails}
    rows = ContactEmail.objects.filter(
        email__in=wanted, contact__memberships__company_id=viewer.active_company_id
    ).select_related("contact")
    return {row.email.lower(): row.contact for row in rows}


def _open(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return queryset.filter(closed_at__isnull=True)


def open_tickets_count(viewer: Viewer) -> int:
    """The open tickets the viewer sees (the navigation badge): one query."""
    if not viewer.is_client:
        return 0
    return ticket_rows_visible_to(viewer, narrow=_open).count()


def open_tickets_summary(viewer: Viewer, limit: int = 5) -> tuple[int, list[Ticket]]:
    """The dashboard card: how many tickets are open and the most recently active of them, in one query (the
    merged ``UNION`` stops at ``limit`` rows; the total is a scalar count per arm, from the indexes)."""
    if not viewer.is_client:
        return 0, []
    arms = [_open(arm) for arm in _visible_arms(viewer, VIEW_COMPANY)]
    total = (
        sum((scalar(arm) for arm in arms[1:]), start=scalar(arms[0])) if len(arms) > 1 else scalar(arms[0])
    )
    rows = TicketRows(
        arms=[arm.annotate(total=total) for arm in arms],
        ordering=("-last_activity_at", "-id"),
        related=("stage",),
    )[:limit]
    return (rows[0].total if rows else 0), rows


# --- staff ------------------------------------------------------------------------------------------------


def can_work_on_tickets(user: Any) -> bool:
    """Agents: active staff with the permission to change tickets (the "Support agents" group has it)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.is_staff
        and user.has_perm("tickets.change_ticket")
    )


def tickets_for_staff(user: Any) -> QuerySet[Ticket]:
    """Every ticket, for agents; nothing for anybody else."""
    if not can_work_on_tickets(user):
        return Ticket.objects.none()
    return Ticket.objects.select_related("stage", "pipeline", "contact", "company", "owner", "category")


def ticket_for_staff(user: Any, public_id: str) -> Ticket:
    return tickets_for_staff(user).get(public_id=public_id)


def ticket_thread_for_staff(user: Any, ticket: Ticket) -> QuerySet[TicketMessage]:
    """The whole conversation, internal notes included: staff only."""
    return TicketMessage.objects.filter(
        ticket__in=tickets_for_staff(user).filter(pk=ticket.pk).values("pk")
    ).select_related("author_user", "author_contact")


def ticket_attachments_for_staff(user: Any, ticket: Ticket) -> QuerySet[ClientFile]:
    return ClientFile.objects.filter(
        subject_type=ContentType.objects.get_for_model(TicketMessage),
        subject_id__in=ticket_thread_for_staff(user, ticket).values("pk"),
    )
