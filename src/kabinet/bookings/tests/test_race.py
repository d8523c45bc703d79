"""No double booking: two clients racing for the same start in parallel threads, each on its own database
connection — exactly one wins, the other is told the slot is gone and offered the nearest ones. Runs on the
test database of the run (SQLite, and PostgreSQL with ``DATABASE_URL``)."""

from __future__ import annotations

import datetime
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection, connections

from kabinet.bookings import actions
from kabinet.bookings.models import Booking
from kabinet.testing import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def on_disk(tmp_path) -> Iterator[None]:
    """On SQLite, move the test's data to a database file for the block: the in-memory test database is a
    shared-cache one, whose table locks answer "database table is locked" at once instead of waiting, which
    is not how the portal runs. A file in WAL mode with ``BEGIN IMMEDIATE`` and a busy timeout (the portal's
    own settings, applied to every new connection) is. PostgreSQL needs nothing: each thread connects to the
    test database."""
    if connection.vendor != "sqlite":
        yield
        return
    path = tmp_path / "race.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    settings = connections.settings["default"]
    previous = settings["NAME"]
    settings["NAME"] = str(path)  # read by the threads' new connections only; this one stays open
    try:
        yield
    finally:
        settings["NAME"] = previous


def race(n: int, attempt) -> list:
    """Run ``attempt(i)`` in ``n`` threads released together; each result or exception, in order."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = attempt(i)
        except Exception as exc:  # noqa: BLE001 — the outcome is what the test inspects
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_clients_racing_for_one_slot_exactly_one_wins(tmp_path):
    branch = f.BranchFactory()
    service = f.ServiceFactory(branch=branch, buffer_after_minutes=15)
    person = f.working_specialist(branch=branch, services=[service])
    clients = [f.client_user(company=None).contact for _ in range(4)]
    first = f.book_for(contact=f.client_user(company=None).contact, company=None, service=service, at="09:00")
    wanted = first.starts_at + datetime.timedelta(hours=2)  # 11:00 in the branch, free

    with on_disk(tmp_path):
        results = race(
            len(clients),
            lambda i: actions.book(
                actor=None, contact=clients[i], company=None, service=service, starts_at=wanted
            ),
        )
        [stored] = race(
            1,
            lambda i: Booking.objects.filter(specialist=person, starts_at=wanted, status="confirmed").count(),
        )

    winners = [r for r in results if isinstance(r, Booking)]
    losers = [r for r in results if isinstance(r, actions.SlotTaken)]
    assert len(winners) == 1, results
    assert len(losers) == len(clients) - 1, results
    assert all(loser.alternatives and wanted not in loser.alternatives for loser in losers)
    assert stored == 1


def test_the_database_refuses_an_overlap_whatever_code_writes_it():
    """PostgreSQL by its exclusion constraint, SQLite by its triggers (migrations 0002 and 0004)."""
    from django.db import IntegrityError, transaction

    branch = f.BranchFactory()
    service = f.ServiceFactory(branch=branch)
    f.working_specialist(branch=branch, services=[service])
    booking = f.book_for(contact=f.client_user(company=None).contact, company=None, service=service)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            branch=branch,
            service=service,
            specialist=booking.specialist,
            contact=booking.contact,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
            held_from=booking.held_from,
            held_until=booking.held_until,
        )


def test_the_database_refuses_moving_a_booking_onto_another_but_not_onto_itself():
    from django.db import IntegrityError, transaction

    branch = f.BranchFactory()
    service = f.ServiceFactory(branch=branch)
    f.working_specialist(branch=branch, services=[service])
    first = f.book_for(contact=f.client_user(company=None).contact, company=None, service=service)
    second = f.book_for(
        contact=f.client_user(company=None).contact,
        company=None,
        service=service,
        specialist=first.specialist,
        at="14:00",
    )
    Booking.objects.filter(pk=first.pk).update(held_until=first.held_until)  # itself: no conflict
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=second.pk).update(held_from=first.held_from, held_until=first.held_until)
