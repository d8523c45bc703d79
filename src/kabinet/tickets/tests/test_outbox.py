"""Ticket emails through the leased outbox: one row per recipient, claimed, sent, recorded; a killed worker's
row is sent again once its lease ran out, a recorded one never twice."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.utils import timezone

from kabinet.testing import factories as f
from kabinet.tickets import actions, outbox
from kabinet.tickets.models import TicketCC, TicketEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def copied(world):
    """A colleague in CC of the world's ticket, with an address: the reply goes to two people."""
    colleague = f.ContactFactory(first_name="Коллега")
    f.ContactEmailFactory(contact=colleague, email="cc@example.test", is_primary=True)
    TicketCC.objects.create(ticket=world.ticket, contact=colleague)
    return colleague


def _lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.KABINET_JOB_LEASE_SECONDS)


def test_a_reply_is_one_leased_row_per_recipient_each_sent_once(
    world, agent, copied, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_agent_reply(actor=agent, ticket=world.ticket, body="Готово.")
    rows = list(TicketEmail.objects.order_by("id"))
    assert [(r.kind, r.contact_id, r.status, r.attempts) for r in rows] == [
        ("message", world.ticket.contact_id, "sent", 1),
        ("message", copied.pk, "sent", 1),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["cc@example.test", world.ticket.contact.emails.get().email]
    )
    assert {m.extra_headers["X-Kabinet-Id"] for m in mail.outbox} == {f"ticket-email-{r.pk}" for r in rows}
    assert outbox.send(rows[0].pk) == "skipped"  # a duplicate job: the row is recorded, nothing is sent
    assert len(mail.outbox) == 2


def test_a_rolled_back_reply_emails_nobody(world, agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        actions.add_agent_reply(actor=agent, ticket=world.ticket, body="Передумали.")
        raise RuntimeError("the request fails after the reply")
    assert not TicketEmail.objects.exists() and mail.outbox == []


def test_a_worker_killed_mid_send_leaves_a_row_the_recovery_sends_once(world, agent):
    message = f.TicketMessageFactory(ticket=world.ticket, author_user=agent, body="Ответ")
    row = TicketEmail.objects.create(
        kind="message", ticket=world.ticket, message=message, contact=world.ticket.contact
    )
    # The dead worker claimed it two leases ago and never recorded an answer (killed while sending).
    assert outbox._take(row.pk, timezone.now() - 2 * _lease())
    assert outbox.recover() == [row.pk]  # jobs run inline: recovered and sent
    row.refresh_from_db()
    assert (row.status, row.attempts, len(mail.outbox)) == ("sent", 2, 1)
    assert outbox.recover() == [] and len(mail.outbox) == 1  # recorded: never again


def test_a_running_lease_is_left_to_its_worker(world, agent):
    message = f.TicketMessageFactory(ticket=world.ticket, author_user=agent, body="Ответ")
    row = TicketEmail.objects.create(
        kind="message", ticket=world.ticket, message=message, contact=world.ticket.contact
    )
    now = timezone.now()
    assert outbox._take(row.pk, now)  # a live worker holds it
    assert outbox.send(row.pk, now=now) == "skipped"  # a second job does not send it too
    assert outbox.recover(now=now) == [] and mail.outbox == []


def test_a_refused_email_is_recorded_failed_and_the_retry_sends_it(world, agent, settings):
    message = f.TicketMessageFactory(ticket=world.ticket, author_user=agent, body="Ответ")
    row = TicketEmail.objects.create(
        kind="message", ticket=world.ticket, message=message, contact=world.ticket.contact
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nothing listens
    with pytest.raises(OSError):
        outbox.send(row.pk)
    row.refresh_from_db()
    assert row.status == "failed" and row.error and row.lease_until is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox.send(row.pk) == "sent" and len(mail.outbox) == 1
