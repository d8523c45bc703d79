"""Prepayment with a slot hold: booking a prepaid service holds the time and issues the invoice; the hold keeps
the time from everyone else (the slots and the database's no-overlap guard); paying confirms it; not paying in
time releases it (the periodic job) and voids the invoice. Moments are explicit (``now=``)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from kabinet.billing.models import Invoice
from kabinet.bookings import actions
from kabinet.bookings.models import Booking
from kabinet.bookings.selectors import free_slots_for
from kabinet.bookings.slots import wall
from kabinet.notifications.models import Notification
from kabinet.payments.actions import record_transfer
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role
from kabinet.webhooks.models import OutboxEvent

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 6, 1, 8, tzinfo=datetime.UTC)
DAY = datetime.date(2026, 6, 3)


@pytest.fixture
def prepaid():
    branch = f.BranchFactory(time_zone="Europe/Moscow", payment_hold_minutes=15)
    service = f.ServiceFactory(branch=branch, prepayment_required=True, price=Decimal("2000"), currency="RUB")
    anna = f.working_specialist(branch=branch, services=[service], name="Anna")
    ten = wall(DAY, datetime.time(10), branch.zone)
    return {"branch": branch, "service": service, "anna": anna, "ten": ten}


def hold(prepaid, user):
    return actions.book(
        actor=user,
        contact=user.contact,
        company=None,
        service=prepaid["service"],
        specialist=prepaid["anna"],
        starts_at=prepaid["ten"],
        now=NOW,
    )


def free_at(prepaid, moment):
    slots = free_slots_for(prepaid["service"], specialists=[prepaid["anna"]], start=DAY, end=DAY, now=NOW)
    return moment in slots


def test_the_hold_keeps_the_time_from_everyone_else(prepaid):
    client, rival = f.client_user(company=None), f.client_user(company=None)
    booking = hold(prepaid, client)
    assert booking.status == Booking.Status.AWAITING_PAYMENT
    assert booking.payment_due_at == NOW + datetime.timedelta(minutes=15)
    invoice = booking.invoice
    assert (invoice.amount, invoice.contact, invoice.status) == (Decimal("2000"), client.contact, "unpaid")
    assert invoice.partial_payment == Invoice.PartialPayment.FORBID
    assert not free_at(prepaid, prepaid["ten"])
    with pytest.raises(actions.SlotTaken):
        hold(prepaid, rival)
    # The database refuses an overlap with the hold whatever code writes it (PostgreSQL's exclusion
    # constraint, SQLite's triggers: migration 0006).
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            branch=prepaid["branch"],
            service=prepaid["service"],
            specialist=prepaid["anna"],
            contact=rival.contact,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
            held_from=booking.held_from,
            held_until=booking.held_until,
        )


def test_not_paid_in_time_the_job_releases_the_hold(prepaid):
    client = f.client_user(company=None)
    booking = hold(prepaid, client)
    assert actions.release_expired_holds(now=NOW + datetime.timedelta(minutes=14)) == 0
    assert actions.release_expired_holds(now=NOW + datetime.timedelta(minutes=15)) == 1
    booking.refresh_from_db()
    assert (booking.status, booking.cancel_reason) == (Booking.Status.CANCELLED, "payment_timeout")
    assert Invoice.objects.get(pk=booking.invoice_id).status == Invoice.Status.CANCELLED
    assert free_at(prepaid, prepaid["ten"])  # the time is offered again
    assert Notification.objects.filter(event="booking.expired", contact=client.contact).exists()
    assert OutboxEvent.objects.filter(type="booking.cancelled").exists()
    assert actions.release_expired_holds(now=NOW + datetime.timedelta(hours=1)) == 0  # once


def test_the_payment_confirms_the_booking(prepaid):
    client = f.client_user(company=None)
    booking = hold(prepaid, client)
    record_transfer(actor=f.StaffFactory(), invoice=booking.invoice, amount=Decimal("2000"))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED and booking.payment_due_at is None
    assert Notification.objects.filter(event="booking.confirmed", contact=client.contact).exists()
    assert OutboxEvent.objects.filter(type="booking.confirmed").exists()
    assert actions.release_expired_holds(now=NOW + datetime.timedelta(hours=1)) == 0
    assert not free_at(prepaid, prepaid["ten"])


def test_the_client_goes_straight_to_the_pay_page_and_may_give_the_time_back(world, prepaid):
    prepaid["service"].specialists.add(prepaid["anna"])
    client = world.client_for(Role.OWNER)
    url = reverse("bookings:confirm", args=[prepaid["service"].public_id])
    page = client.get(reverse("bookings:slots", args=[prepaid["service"].public_id]))
    link = page.content.decode().split('class="slot-grid"', 1)[1].split('href="', 1)[1].split('"', 1)[0]
    form = client.get(link.replace("&amp;", "&")).context["form"].data.dict()
    response = client.post(url, form)
    booking = Booking.objects.get(contact=world.user(Role.OWNER).contact)
    assert booking.status == Booking.Status.AWAITING_PAYMENT
    assert response.status_code == 302
    assert response["Location"] == reverse("payments:pay", args=[booking.invoice.public_id])
    detail = client.get(reverse("bookings:detail", args=[booking.public_id])).content.decode()
    assert reverse("payments:pay", args=[booking.invoice.public_id]) in detail
    assert client.post(reverse("bookings:cancel", args=[booking.public_id])).status_code == 302
    booking.refresh_from_db()
    booking.invoice.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED and booking.invoice.status == Invoice.Status.CANCELLED
