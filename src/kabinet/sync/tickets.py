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

Agents' answers: each page (and each ticket an event names) also reads the CRM ticket's notes and emails
(``CrmProvider.ticket_replies``) before its transaction; the ones not seen yet become staff replies through
``tickets.actions.add_synced_reply`` (author: the mapped manager, else "Support team"), idempotent by the
engagement's id (``Link`` of kind ``message``). Kabinet's own notes (the clients' replies it wrote back, known by
the outbox's ``remote_id`` or their text) are not read back. The client is told as for any agent's reply,
except for a ticket first imported in this run (its history comes in silently) and a ticket the portal's
filters keep out of the portal.

The other way, a ticket a client opens in Kabinet whose stage a connection maps becomes the CRM's ticket
(:func:`open_in_crm`, delivered through the outbox by :mod:`kabinet.sync.writeback`).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from kabinet.core.providers.crm import CrmError, CrmProvider, CrmReply, CrmTicket
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
from kabinet.sync.events import PENDING
from kabinet.sync.models import Connection, Link, Push, Run, StageMap
from kabinet.tickets import actions as tickets
from kabinet.tickets.models import Ticket
from kabinet.tickets.selectors import shown_in_portal

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
            replies = fetch_replies(context, page.tickets)  # before the transaction: no HTTP inside it
            with transaction.atomic():
                created = set()
                for crm_ticket in page.tickets:
                    outcome = apply_safely(context, crm_ticket)
                    count(run, outcome)
                    if outcome == CREATED:
                        created.add(crm_ticket.id)
                    if newest is None or crm_ticket.modified_at > newest:
                        newest = crm_ticket.modified_at
                apply_replies(context, replies, first_seen=created)
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
        context = Context.load(connection, provider)
        replies = fetch_replies(context, (crm_ticket,) if crm_ticket else ())
        with transaction.atomic():
            if crm_ticket is None:
                Link.objects.filter(connection=connection, kind=Link.Kind.TICKET, crm_id=ticket_id).update(
                    deleted_in_crm=True
                )
                count(run, SKIPPED)
            else:
                outcome = apply_safely(context, crm_ticket)
                count(run, outcome)
                apply_replies(context, replies, first_seen={crm_ticket.id} if outcome == CREATED else set())
    except CrmError as error:
        return finish(connection, run, error=error, now=now)
    run.status, run.finished_at = Run.Status.OK, timezone.now()
    run.save()
    return run


# --- agents' answers ---------------------------------------------------------------------------------------


def fetch_replies(context: Context, crm_tickets: tuple[CrmTicket, ...]) -> dict[str, list[CrmReply]]:
    """The CRM's answers on the tickets of imported pipelines (none asked for the others)."""
    wanted = [
        t.id
        for t in crm_tickets
        if getattr(context.pipelines.get(pipeline_key(t.pipeline_id)), "pipeline_id", None) is not None
    ]
    return context.provider.ticket_replies(wanted) if wanted else {}


def same_text(text: str) -> str:
    return " ".join(text.split())


def apply_replies(
    context: Context, replies: dict[str, list[CrmReply]], *, first_seen: Collection[str] = ()
) -> int:
    """Bring the answers not seen yet into their Kabinet tickets; answers how many. Inside the page's
    transaction. A constant number of queries, whatever the page's size, plus the writes of each new one."""
    connection = context.connection
    answers = [reply for rows in replies.values() for reply in rows]
    if not answers:
        return 0
    seen = set(
        Link.objects.filter(
            connection=connection, kind=Link.Kind.MESSAGE, crm_id__in=[r.id for r in answers]
        ).values_list("crm_id", flat=True)
    )
    fresh = [r for r in answers if r.id not in seen]
    if not fresh:
        return 0
    ticket_links = dict(
        Link.objects.filter(
            connection=connection, kind=Link.Kind.TICKET, crm_id__in={r.ticket_id for r in fresh}
        ).values_list("crm_id", "object_id")
    )
    # Kabinet's own write-back (the clients' replies): by the note's id, or by its text when the answer of
    # the CRM was lost and the delivery was repeated.
    own_ids, own_texts = set(), set()
    for remote_id, entity_id, text in Push.objects.filter(
        connection=connection, entity="ticket", entity_id__in=list(ticket_links)
    ).values_list("remote_id", "entity_id", "text"):
        own_ids.add(remote_id)
        own_texts.add((entity_id, same_text(text)))
    by_pk = Ticket.objects.select_related("stage").in_bulk(set(ticket_links.values()))
    applied = 0
    for reply in fresh:
        ticket = by_pk.get(ticket_links.get(reply.ticket_id))
        if ticket is None or reply.id in own_ids or (reply.ticket_id, same_text(reply.body)) in own_texts:
            continue
        try:
            with transaction.atomic():
                message = tickets.add_synced_reply(
                    actor=None,
                    ticket=ticket,
                    body=reply.body,
                    author=context.managers.get(reply.author_id),
                    announce=reply.ticket_id not in first_seen and shown_in_portal(ticket),
                )
                link(connection, Link.Kind.MESSAGE, reply.id, message.pk)
        except ValidationError:
            continue  # nothing Kabinet can show (an empty body): the next read tries again, harmlessly
        applied += 1
    return applied


# --- tickets opened in Kabinet -------------------------------------------------------------------------------


def crm_ticket_id(connection: Connection, ticket_pk: int) -> str | None:
    """The CRM's id of a Kabinet ticket; ``None`` while its creation waits in the outbox, ``""`` when it
    never reached the CRM (its push gave up)."""
    rows = list(
        Link.objects.filter(connection=connection, kind=Link.Kind.TICKET, object_id=ticket_pk).values_list(
            "crm_id", "deleted_in_crm"
        )
    )
    real = [crm_id for crm_id, _deleted in rows if not crm_id.startswith(PENDING)]
    if real:
        return real[0]
    return None if any(not deleted for _crm_id, deleted in rows) else ""


def forget_pending(connection: Connection, ticket_pk: int) -> None:
    Link.objects.filter(connection=connection, kind=Link.Kind.TICKET, crm_id=f"{PENDING}{ticket_pk}").update(
        deleted_in_crm=True
    )


def open_in_crm(connection: Connection, provider: CrmProvider, ticket_pk: int) -> str:
    """Create the CRM's ticket of a ticket opened in Kabinet: the CRM pipeline and stage mapped to its stage
    (else to the first mapped stage of its pipeline), its subject and first message, associated with the
    client's contact (and company) as synced. The pending link becomes the CRM's id, so later pulls match the
    ticket and later replies go on it as notes. Delivered again (a lost answer), it answers the same id."""
    done = crm_ticket_id(connection, ticket_pk)
    if done:
        return done
    ticket = Ticket.objects.select_related("stage").filter(pk=ticket_pk).first()
    if ticket is None:
        raise CrmError("not_found", "the ticket is no longer in Kabinet")
    maps = sorted(
        StageMap.objects.filter(
            connection=connection,
            crm_pipeline_id__startswith=PREFIX,
            hides=False,
            stage__pipeline_id=ticket.pipeline_id,
        ).select_related("stage"),
        key=lambda row: (row.stage_id != ticket.stage_id, row.stage.position, row.pk),
    )
    if not maps:
        raise CrmError("not_found", "the ticket's pipeline is not mapped to a CRM ticket pipeline")
    people = dict(
        Link.objects.filter(
            connection=connection,
            kind__in=[Link.Kind.CONTACT, Link.Kind.COMPANY],
            object_id__in=[pk for pk in (ticket.contact_id, ticket.company_id) if pk],
            deleted_in_crm=False,
        )
        .filter(
            models.Q(kind=Link.Kind.CONTACT, object_id=ticket.contact_id or 0)
            | models.Q(kind=Link.Kind.COMPANY, object_id=ticket.company_id or 0)
        )
        .values_list("kind", "crm_id")
    )
    if not people.get(Link.Kind.CONTACT):
        raise CrmError("not_found", "the ticket's contact is not in the CRM")
    first = (
        ticket.messages.filter(is_internal=False)
        .order_by("created_at", "id")
        .values_list("body", flat=True)
        .first()
    )
    crm_id = provider.create_ticket(
        subject=ticket.subject,
        content=first or ticket.subject,
        pipeline_id=maps[0].crm_pipeline_id.removeprefix(PREFIX),
        stage_id=maps[0].crm_id,
        contact_id=people[Link.Kind.CONTACT],
        company_id=people.get(Link.Kind.COMPANY, ""),
    )
    pending = Link.objects.filter(
        connection=connection, kind=Link.Kind.TICKET, crm_id=f"{PENDING}{ticket_pk}"
    ).update(crm_id=crm_id, deleted_in_crm=False)
    if not pending:
        link(connection, Link.Kind.TICKET, crm_id, ticket_pk)
    return crm_id
