"""Jobs: pulls, one-deal re-fetches and the write-back outbox; a periodic sweep pulls every due connection."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kabinet.sync import bookings, engine, health, invoices, tickets, writeback
from kabinet.sync.models import Connection

LOCK_SECONDS = 15 * 60


def claim(connection_id: int, now: datetime.datetime) -> bool:
    """One pull per connection at a time: the row's lease, taken by one atomic UPDATE (any database)."""
    return bool(
        Connection.objects.filter(pk=connection_id)
        .exclude(locked_until__gt=now)
        .update(locked_until=now + datetime.timedelta(seconds=LOCK_SECONDS))
    )


def release(connection_id: int) -> None:
    Connection.objects.filter(pk=connection_id).update(locked_until=None)


def run_pull(connection_id: int, *, full: bool = False) -> str:
    now = timezone.now()
    if not claim(connection_id, now):
        return "busy"
    try:
        connection = Connection.objects.get(pk=connection_id)
        if connection.status == Connection.Status.STOPPED:
            return "stopped"
        status = engine.pull(connection, full=full, now=now).status
        connection.refresh_from_db()
        if status == "ok" and connection.status != Connection.Status.STOPPED:
            tickets.pull_tickets(connection, now=now)  # a CRM without tickets answers at once, no call
            connection.refresh_from_db()
            if connection.status != Connection.Status.STOPPED:
                invoices.pull_invoices(connection, now=now)  # the same for invoices
            connection.refresh_from_db()
            if connection.status != Connection.Status.STOPPED:
                bookings.pull_bookings(connection, now=now)  # likewise for a CRM without bookings
        return status
    finally:
        release(connection_id)


@db_task()
def pull_connection(connection_id: int, full: bool = False) -> str:
    return run_pull(connection_id, full=full)


@db_task()
def pull_deal(connection_id: int, deal_id: str) -> str:
    connection = Connection.objects.filter(pk=connection_id).first()
    return engine.pull_deal(connection, deal_id).status if connection else "skipped"


@db_task()
def pull_ticket(connection_id: int, ticket_id: str) -> str:
    connection = Connection.objects.filter(pk=connection_id).first()
    return tickets.pull_ticket(connection, ticket_id, kind="object").status if connection else "skipped"


@db_task()
def deliver_pushes(push_ids: list[int]) -> None:
    for push_id in push_ids:
        writeback.deliver(push_id)


@db_periodic_task(crontab(minute="*"))
def sweep_sync() -> None:
    """Every minute: the comments due, and a pull of each connection whose interval has passed. Every
    ``KABINET_SYNC_RECONCILE_HOURS`` a full resync finds what an incremental pull cannot (drift, deletions)."""
    now = timezone.now()
    for push_id in writeback.due_pushes(now):
        writeback.deliver(push_id)
    interval = datetime.timedelta(seconds=settings.KABINET_SYNC_INTERVAL)
    reconcile = datetime.timedelta(hours=settings.KABINET_SYNC_RECONCILE_HOURS)
    for connection in Connection.objects.filter(is_active=True).exclude(status=Connection.Status.STOPPED):
        if not health.due(connection, now):
            continue
        last_full = (
            connection.runs.filter(kind="full", status="ok").values_list("started_at", flat=True).first()
        )
        if last_full is None or now - last_full >= reconcile:
            pull_connection(connection.pk, full=True)
        elif connection.last_success_at is None or now - connection.last_success_at >= interval:
            pull_connection(connection.pk)
