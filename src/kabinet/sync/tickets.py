"""The CRM's support tickets (HubSpot) → Kabinet tickets, beside the deals the engine pulls.

Same rules as :mod:`kabinet.sync.engine`: incremental by the connection's ``ticket_cursor``, one transaction
per page, idempotent by the ticket's id (``Link`` of kind ``ticket`` with the digest of what was applied),
contacts and companies resolved exactly as for deals, writes only through the ``tickets`` actions (so a stage
change synced from the CRM tells the client as one made by an agent). The mapping lives in the same tables as
the deals': a CRM ticket pipeline is a ``PipelineMap`` whose ``crm_id`` is ``ticket:<id>`` (its stages'
``crm_pipeline_id`` too), pointing at a Kabinet *ticket* pipeline; a stage's ``ticketState`` (OPEN/CLOSED)
gives the Kabinet stage's kind when staff mirror the pipeline. What the client then reads — the stage's client
name or only Open/Closed — is the ticket settings' *status display*, as for every ticket.

Only what the CRM says is applied; a pull never closes or reopens a ticket on its own.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kabinet.core.providers.crm import CrmError, CrmTicket
from kabinet.sync.engine import (
    CREATED,
    MAX_PAGES_PER_RUN,
    SKIPPED,
    UNCHANGED,
    UPDATED,
    Context,
    count,
    digest,
    finish,
    link,
    linked,
    open_conflict,
    provider_for,
    resolve_company,
    resolve_contact,
)
from kabinet.sync.models import Connection, Link, Run
from kabinet.tickets import actions as tickets
from kabinet.tickets.models import Ticket

PREFIX = "ticket:"


def pipeline_key(crm_pipeline_id: str) -> str:
    """The ``PipelineMap.crm_id`` of a CRM ticket pipeline (kept apart from the deal pipelines' ids)."""
    return f"{PREFIX}{crm_pipeline_id}"


def ticket_digest(context: Context, ticket: CrmTicket) -> str:
    stage_map = context.stages.get((pipeline_key(ticket.pipeline_id), ticket.stage_id))
    return digest(
        {
            "subject": ticket.subject,
            "stage": getattr(stage_map, "stage_id", None),
            "hides": getattr(stage_map, "hides", None),
            "contact": ticket.contact_id,
            "company": ticket.company_id,
        }
    )


def apply_ticket(context: Context, crm_ticket: CrmTicket) -> str:
    """Create or update the Kabinet ticket of one CRM ticket; answers what happened. Inside a transaction."""
    connection = context.connection
    key = pipeline_key(crm_ticket.pipeline_id)
    pipeline_map = context.pipelines.get(key)
    if pipeline_map is None or pipeline_map.pipeline is None:
        return SKIPPED  # a ticket pipeline staff did not choose to import
    row = linked(connection, Link.Kind.TICKET, crm_ticket.id)
    value_digest = ticket_digest(context, crm_ticket)
    if row is not None and row.digest == value_digest and not row.deleted_in_crm:
        return UNCHANGED
    stage_map = context.stages.get((key, crm_ticket.stage_id))
    if stage_map is None or (stage_map.stage is None and not stage_map.hides):
        open_conflict(
            connection,
            Link.Kind.TICKET,
            crm_ticket.id,
            f"{crm_ticket.subject}: CRM ticket stage {crm_ticket.stage_id} is not mapped",
            [],
        )
        return SKIPPED
    if stage_map.hides:
        return SKIPPED  # as for deals: never shown, or it keeps the last stage the client was shown
    stage = stage_map.stage
    ticket = Ticket.objects.select_related("stage").filter(pk=row.object_id).first() if row else None
    if ticket is None:
        contact = resolve_contact(context, crm_ticket.contact_id)
        company = resolve_company(context, crm_ticket.company_id)
        if contact is None:
            # A Kabinet ticket is a client's: one the CRM holds for nobody stays in the CRM.
            open_conflict(
                connection,
                Link.Kind.TICKET,
                crm_ticket.id,
                f"{crm_ticket.subject}: the ticket has no contact",
                [],
            )
            return SKIPPED
        if company is not None and not contact.memberships.filter(company=company).exists():
            company = None  # the ticket is the contact's own; his company is not made up here
        ticket = tickets.create_ticket(
            actor=None,
            subject=(crm_ticket.subject or f"#{crm_ticket.id}")[:250],
            body=crm_ticket.content or crm_ticket.subject or f"#{crm_ticket.id}",
            company=company,
            contact=contact,
            stage=stage,
        )
        link(connection, Link.Kind.TICKET, crm_ticket.id, ticket.pk, value_digest)
        return CREATED
    changed = False
    if ticket.stage_id != stage.pk:
        tickets.change_ticket_stage(actor=None, ticket=ticket, stage=stage)
        changed = True
    link(connection, Link.Kind.TICKET, crm_ticket.id, ticket.pk, value_digest)
    return UPDATED if changed else UNCHANGED


def apply_safely(context: Context, crm_ticket: CrmTicket) -> str:
    """``apply_ticket`` in a savepoint: a value Kabinet refuses goes to the review list, the page goes on."""
    try:
        with transaction.atomic():
            return apply_ticket(context, crm_ticket)
    except ValidationError as error:
        open_conflict(
            context.connection,
            Link.Kind.TICKET,
            crm_ticket.id,
            f"{crm_ticket.subject}: {'; '.join(error.messages)}",
            [],
        )
        return SKIPPED


def pull_tickets(
    connection: Connection, *, sleep: Any = None, now: datetime.datetime | None = None
) -> Run | None:
    """One pull of the tickets changed since ``ticket_cursor``; ``None`` (no run, no call) for a CRM without
    tickets.

    Each page is applied in one transaction with the cursor of what it applied; a killed pull starts again
    from the last page's newest change, and the digest makes what it reads twice a no-op."""
    now = now or timezone.now()
    provider = provider_for(connection, sleep=sleep)
    if not provider.supports_tickets:
        return None
    run = Run.objects.create(connection=connection, kind=Run.Kind.TICKETS, started_at=now)
    try:
        context = Context.load(connection, provider)
        since, token = connection.ticket_cursor, ""
        newest = since
        for _number in range(MAX_PAGES_PER_RUN):
            page = provider.tickets(modified_since=since, page=token)
            with transaction.atomic():
                for crm_ticket in page.tickets:
                    count(run, apply_safely(context, crm_ticket))
                    if newest is None or crm_ticket.modified_at > newest:
                        newest = crm_ticket.modified_at
                run.pages += 1
                Connection.objects.filter(pk=connection.pk).update(ticket_cursor=newest)
                run.save()
            token = page.next
            if not token:
                break
    except CrmError as error:
        return finish(connection, run, error=error, now=now)
    run.status, run.finished_at = Run.Status.OK, timezone.now()
    run.save()
    return run


def pull_ticket(
    connection: Connection, ticket_id: str, *, kind: str = Run.Kind.WEBHOOK, sleep: Any = None
) -> Run:
    """Fetch one ticket again and apply it (a CRM event). A deleted one marks its link; the Kabinet ticket
    stays with its conversation."""
    now = timezone.now()
    run = Run.objects.create(connection=connection, kind=kind, started_at=now)
    try:
        provider = provider_for(connection, sleep=sleep)
        crm_ticket = provider.ticket(ticket_id)
        with transaction.atomic():
            if crm_ticket is None:
                Link.objects.filter(connection=connection, kind=Link.Kind.TICKET, crm_id=ticket_id).update(
                    deleted_in_crm=True
                )
                count(run, SKIPPED)
            else:
                count(run, apply_safely(Context.load(connection, provider), crm_ticket))
    except CrmError as error:
        return finish(connection, run, error=error, now=now)
    run.status, run.finished_at = Run.Status.OK, timezone.now()
    run.save()
    return run
