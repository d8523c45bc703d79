"""Viewer-scoped reads of tickets. Internal notes never leave these selectors."""

from __future__ import annotations

from django.db.models import QuerySet

from kabinet.core.viewer import Viewer, scope_to_viewer
from kabinet.tickets.models import Ticket, TicketMessage


def tickets_visible_to(viewer: Viewer) -> QuerySet[Ticket]:
    return scope_to_viewer(Ticket.objects.all(), viewer).select_related("stage")


def ticket_messages_visible_to(viewer: Viewer, ticket: Ticket) -> QuerySet[TicketMessage]:
    """The public conversation of a ticket the viewer can see (internal notes excluded)."""
    return TicketMessage.objects.filter(
        ticket__in=tickets_visible_to(viewer).filter(pk=ticket.pk), is_internal=False
    )
