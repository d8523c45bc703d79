"""Ticket jobs: outgoing email (queued by the actions after commit) and polling the support mailbox."""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from kabinet.tickets import emails, outbox
from kabinet.tickets.inbound import InboundResult, Mailbox, configured_mailbox, parse_rfc822

logger = logging.getLogger(__name__)


@db_task(retries=3, retry_delay=60)
def send_ticket_email(email_id: int) -> str:
    """One leased ticket email (tickets/outbox.py); an SMTP failure is retried by the job."""
    return outbox.send(email_id)


@db_periodic_task(crontab(minute="*"))
def recover_ticket_emails() -> None:
    """Every minute: re-queue ticket emails whose job was lost (a worker killed mid-send)."""
    outbox.recover()


_recovered_at_start = threading.Lock()


@HUEY.on_startup()
def recover_ticket_emails_at_start() -> None:
    """A worker that starts (often after a crash) re-queues what its predecessor left, not a minute later;
    once per process (Huey runs startup hooks in every worker thread)."""
    if not _recovered_at_start.acquire(blocking=False):
        return
    from django.db import close_old_connections

    try:
        outbox.recover()
    finally:
        close_old_connections()


# The jobs below were queued before the outbox (a deployment may still hold some); new code queues none.
@db_task(retries=3, retry_delay=60)
def send_ticket_message_email(message_id: int) -> int:
    return emails.send_message_email(message_id)


@db_task(retries=3, retry_delay=60)
def send_ticket_solved_email(ticket_id: int) -> int:
    return emails.send_solved_email(ticket_id)


@db_task(retries=3, retry_delay=60)
def send_ticket_received_email(ticket_id: int) -> int:
    return emails.send_received_email(ticket_id)


@db_task(retries=3, retry_delay=60)
def send_ticket_closed_notice_email(ticket_id: int, contact_id: int) -> int:
    return emails.send_closed_notice_email(ticket_id, contact_id)


def process_mailbox(mailbox: Mailbox | None = None) -> list[InboundResult]:
    """Fetch every waiting message from the mailbox and hand each to the inbound handler."""
    from kabinet.tickets.actions import receive_inbound_email

    results = []
    for raw, acknowledge in (mailbox or configured_mailbox()).fetch():
        try:
            result = receive_inbound_email(mail=parse_rfc822(raw))
        except Exception:
            logger.exception("an inbound ticket email could not be handled")
            acknowledge(False)
            continue
        acknowledge(True)
        results.append(result)
    return results


@db_periodic_task(crontab(minute="*"))
def poll_ticket_mailbox() -> int:
    """Every minute, when ``KABINET_TICKETS_INBOUND_POLL`` is on."""
    if not settings.KABINET_TICKETS_INBOUND_POLL:
        return 0
    return len(process_mailbox())
