"""Writes on tickets."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.core.audit import record_audit
from kabinet.core.sequences import next_number
from kabinet.crm.actions import default_pipeline
from kabinet.crm.models import Company, Contact, Pipeline, Stage
from kabinet.crm.timeline import record_timeline, register_events
from kabinet.tickets.models import Ticket, TicketMessage

register_events(
    {
        "ticket.created": _("Request #%(number)s “%(title)s” was opened"),
        "ticket.replied": _("New reply in request #%(number)s"),
        "ticket.note": _("Internal note on request #%(number)s"),
        "ticket.stage_changed": _("Request #%(number)s moved to “%(stage)s”"),
    }
)


@transaction.atomic
def create_ticket(
    *,
    actor: Any,
    subject: str,
    body: str,
    company: Company | None,
    contact: Contact | None,
    source: str = Ticket.Source.PORTAL,
    priority: str = Ticket.Priority.NORMAL,
    category: str = "",
    owner: Any = None,
    stage: Stage | None = None,
) -> Ticket:
    """Open a ticket with its first message, in the first stage of the default ticket pipeline."""
    pipeline = stage.pipeline if stage else default_pipeline(Pipeline.Kind.TICKET)
    stage = stage or pipeline.stages.order_by("position", "id").first()
    now = timezone.now()
    ticket = Ticket(
        number=next_number("ticket", width=5),
        subject=subject,
        company=company,
        contact=contact,
        pipeline=pipeline,
        stage=stage,
        priority=priority,
        category=category,
        owner=owner,
        source=source,
        last_activity_at=now,
        closed_at=None if stage.is_open else now,
    )
    ticket.full_clean()
    ticket.save()
    TicketMessage.objects.create(
        ticket=ticket, author_user=actor if getattr(actor, "pk", None) else None, body=body
    )
    record_timeline(
        event="ticket.created",
        kind="ticket",
        subject=ticket,
        company=company,
        contact=contact,
        actor=actor,
        number=ticket.number,
        title=subject,
    )
    record_audit(event="ticket.created", actor=actor, target=ticket)
    return ticket


@transaction.atomic
def add_ticket_message(*, actor: Any, ticket: Ticket, body: str, is_internal: bool = False) -> TicketMessage:
    """Add a reply (visible to the client) or an internal note (never visible to the client)."""
    message = TicketMessage.objects.create(
        ticket=ticket,
        author_user=actor if getattr(actor, "pk", None) else None,
        body=body,
        is_internal=is_internal,
    )
    ticket.last_activity_at = message.created_at
    ticket.save(update_fields=["last_activity_at", "updated_at"])
    record_timeline(
        event="ticket.note" if is_internal else "ticket.replied",
        kind="ticket",
        subject=ticket,
        company=ticket.company,
        contact=ticket.contact,
        actor=actor,
        client_visible=not is_internal,
        number=ticket.number,
    )
    return message


@transaction.atomic
def change_ticket_stage(*, actor: Any, ticket: Ticket, stage: Stage) -> Ticket:
    if stage.pk == ticket.stage_id:
        return ticket
    ticket.stage = stage
    ticket.closed_at = None if stage.is_open else timezone.now()
    ticket.save(update_fields=["stage", "closed_at", "updated_at"])
    record_timeline(
        event="ticket.stage_changed",
        kind="ticket",
        subject=ticket,
        company=ticket.company,
        contact=ticket.contact,
        actor=actor,
        number=ticket.number,
        stage=stage.client_name,
    )
    record_audit(event="ticket.stage_changed", actor=actor, target=ticket, stage=stage.pk)
    return ticket
