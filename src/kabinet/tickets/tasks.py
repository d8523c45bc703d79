"""Ticket jobs: outgoing email (queued by the actions after commit) and polling the support mailbox."""

from __future__ import annotations

import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kabinet.tickets import emails
from kabinet.tickets.inbound import InboundResult, Mailbox, configured_mailbox, parse_rfc822

logger = logging.getLogger(__name__)


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
