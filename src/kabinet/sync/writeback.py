"""Deliver the write-back outbox: one comment per ``Push`` (or, for entity ``record``, a booking created or
cancelled in the booking system: ``sync.bookings``), at least once, with backoff; staff see failures."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from kabinet.core.providers.crm import CrmError
from kabinet.sync import tickets
from kabinet.sync.engine import provider_for
from kabinet.sync.events import NEW_TICKET, PENDING
from kabinet.sync.models import Connection, Push

RETRY_SECONDS = (30, 120, 600, 3600, 6 * 3600, 24 * 3600)


def deliver(push_id: int, *, sleep: Any = None) -> str:
    """Send one pending comment. A connection stopped for its credentials keeps the comment waiting."""
    with transaction.atomic():
        push = Push.objects.select_for_update().select_related("connection").filter(pk=push_id).first()
        if push is None or push.status in (Push.Status.SENT, Push.Status.DEAD):
            return "skipped"
        connection = push.connection
        if connection.status == Connection.Status.STOPPED or not connection.is_active:
            return "waiting"
        if push.entity == "ticket" and push.entity_id.startswith(PENDING):
            # A reply to a ticket opened in Kabinet: it goes on the CRM's ticket once that exists.
            target = tickets.crm_ticket_id(connection, int(push.entity_id.removeprefix(PENDING)))
            if target is None:
                return "waiting"
            if not target:
                push.status, push.last_error = Push.Status.DEAD, "the ticket never reached the CRM"
                push.save()
                return push.status
            push.entity_id = target
        push.attempts += 1
        try:
            provider = provider_for(connection, sleep=sleep)
            if push.entity == NEW_TICKET:
                push.remote_id = tickets.open_in_crm(connection, provider, int(push.entity_id))[:64]
            elif push.entity == "record":  # a booking made or cancelled in Kabinet (sync.bookings)
                from kabinet.sync.bookings import deliver_record

                with transaction.atomic():  # a savepoint: a refusal undoes what it wrote, the push row stays
                    push.remote_id = deliver_record(connection, provider, push)[:64]
            else:
                push.remote_id = provider.add_comment(
                    entity=push.entity, entity_id=push.entity_id, text=push.text
                )[:64]
        except CrmError as error:
            push.last_error = error.message[:2000]
            if error.code == "not_found" or push.attempts >= len(RETRY_SECONDS):
                push.status, push.next_attempt_at = Push.Status.DEAD, None
                if push.entity == NEW_TICKET:  # the replies waiting for it give up too, and new ones stay
                    tickets.forget_pending(connection, int(push.entity_id))
            else:
                push.status = Push.Status.FAILED
                delay = RETRY_SECONDS[push.attempts - 1]
                push.next_attempt_at = timezone.now() + datetime.timedelta(seconds=delay)
        else:
            push.status, push.next_attempt_at, push.last_error = Push.Status.SENT, None, ""
        push.save()
        return push.status


def due_pushes(now: datetime.datetime, limit: int = 200) -> list[int]:
    """Pending comments and failed ones whose retry is due."""
    pending = Push.objects.filter(status=Push.Status.PENDING)
    retry = Push.objects.filter(status=Push.Status.FAILED, next_attempt_at__lte=now)
    return list((pending | retry).order_by("id").values_list("pk", flat=True)[:limit])
