"""Ticket emails with the lease pattern of webhook deliveries: queue in the change's transaction, claim
(a lease, committed), send, record. A killed worker neither loses an email nor sends it twice.

- :func:`queue` writes one :class:`TicketEmail` per recipient in the action's transaction; its job is queued
  once that transaction commits (a rolled-back reply emails nobody).
- :func:`send` is the job: a conditional UPDATE takes the row (``sending``, a lease of
  ``KABINET_JOB_LEASE_SECONDS``) and commits before the SMTP conversation, so no transaction stays open and two
  jobs for one row (a retry and a recovery) never both send; the answer is recorded after.
- :func:`recover` (every minute, and when a worker starts) re-queues rows whose job was lost: ``pending`` for
  longer than a lease (the queue lost the job) and ``sending`` past their lease (the worker died mid-send; the
  server never gave its OK, or we never recorded it). The second case may repeat an email the server did
  accept just before the kill: each carries a ``Message-ID`` made of its row, which mail systems use to drop
  such a duplicate.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from kabinet.tickets.models import Ticket, TicketEmail, TicketMessage

logger = logging.getLogger(__name__)


def queue(
    *, kind: str, ticket: Ticket, contact_ids: Iterable[int], message: TicketMessage | None = None
) -> list[TicketEmail]:
    """One outbox row per recipient, in the caller's transaction; each row's job runs after the commit."""
    rows = TicketEmail.objects.bulk_create(
        TicketEmail(kind=kind, ticket=ticket, message=message, contact_id=contact_id)
        for contact_id in dict.fromkeys(contact_ids)
    )
    if rows:
        ids = [row.pk for row in rows]
        transaction.on_commit(lambda: _schedule(ids))
    return rows


def _schedule(ids: list[int]) -> None:
    from kabinet.tickets.tasks import send_ticket_email

    for pk in ids:
        send_ticket_email(pk)


def _take(pk: int, now: datetime.datetime) -> bool:
    """Lease one row for this worker (autocommitted): exactly one of two racing jobs gets it."""
    lease = now + datetime.timedelta(seconds=settings.KABINET_JOB_LEASE_SECONDS)
    open_rows = models.Q(status__in=[TicketEmail.Status.PENDING, TicketEmail.Status.FAILED]) | models.Q(
        status=TicketEmail.Status.SENDING, lease_until__lte=now
    )
    with transaction.atomic():
        taken = TicketEmail.objects.filter(open_rows, pk=pk).update(
            status=TicketEmail.Status.SENDING, lease_until=lease, attempts=models.F("attempts") + 1
        )
    return taken == 1


def send(pk: int, *, now: datetime.datetime | None = None) -> str:
    """The job: claim, send, record. Returns the row's status (``skipped`` when another job holds it).

    An SMTP failure is recorded ``failed`` and raised, so the job's retries try again."""
    from kabinet.tickets import emails

    if not _take(pk, now or timezone.now()):
        return "skipped"
    row = TicketEmail.objects.get(pk=pk)
    try:
        count = emails.send_outbox_row(row)
    except Exception as exc:
        _record(row, TicketEmail.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:300])
        raise
    return _record(row, TicketEmail.Status.SENT if count else TicketEmail.Status.SKIPPED)


def _record(row: TicketEmail, status: str, *, error: str = "") -> str:
    row.status, row.error, row.lease_until = status, error, None
    row.sent_at = timezone.now() if status == TicketEmail.Status.SENT else None
    row.save(update_fields=["status", "error", "lease_until", "sent_at", "updated_at"])
    return status


def recover(*, now: datetime.datetime | None = None, limit: int = 500) -> list[int]:
    """Re-queue what a lost job left: ``pending`` rows older than a lease, ``sending`` rows past their lease;
    rows whose lease still runs are scheduled for when it ends. Harmless twice: the claim is conditional."""
    from kabinet.tickets.tasks import send_ticket_email

    now = now or timezone.now()
    lease = datetime.timedelta(seconds=settings.KABINET_JOB_LEASE_SECONDS)
    due = list(
        TicketEmail.objects.filter(
            models.Q(status=TicketEmail.Status.PENDING, created_at__lte=now - lease)
            | models.Q(status=TicketEmail.Status.SENDING, lease_until__lte=now)
        )
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        send_ticket_email(pk)
    running = TicketEmail.objects.filter(status=TicketEmail.Status.SENDING, lease_until__gt=now).values_list(
        "pk", "lease_until"
    )[:limit]
    for pk, until in running:
        send_ticket_email.schedule((pk,), delay=(until - now).total_seconds() + 1)
    if due:
        logger.warning("ticket emails re-queued after a lost job: %s", due)
    return due
