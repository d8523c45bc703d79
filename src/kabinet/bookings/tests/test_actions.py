"""Booking, rescheduling, cancelling, seats and reminders through the actions: rules, history, audit, webhook
outbox and notices. Every moment is explicit (``now=``): nothing depends on the clock."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from kabinet.bookings import actions
from kabinet.bookings.models import BlockedPeriod, Booking, DateException, Seat
from kabinet.bookings.selectors import free_slots_for, specialists_of
from kabinet.bookings.slots import wall
from kabinet.core.models import AuditEntry
from kabinet.crm.models import TimelineEntry
from kabinet.crm.timeline import render_entry
from kabinet.notifications.models import Notification
from kabinet.testing import factories as f
from kabinet.webhooks.models import OutboxEvent

pytestmark = pytest.mark.django_db
WARSAW = ZoneInfo("Europe/Warsaw")
T = datetime.time.fromisoformat
# Warsaw moves its clocks from +01:00 to +02:00 in the night to Sunday 29 March 2026.
BEFORE_DST = datetime.datetime(2026, 3, 26, 12, tzinfo=datetime.UTC)
MONDAY_AFTER = datetime.date(2026, 3, 30)


@pytest.fixture
def salon():
    branch = f.BranchFactory(time_zone="Europe/Warsaw", min_notice_minutes=60, cancel_deadline_hours=12)
    service = f.ServiceFactory(branch=branch, duration_minutes=60, buffer_after_minutes=15, name="Strzyżenie")
    anna = f.working_specialist(branch=branch, services=[service], name="Anna")
    olga = f.working_specialist(branch=branch, services=[service], name="Olga")
    client = f.client_user(company=None)
    return {"branch": branch, "service": service, "anna": anna, "olga": olga, "client": client}


def book(salon, moment, *, specialist=None, now=BEFORE_DST, contact=None):
    return actions.book(
        actor=salon["client"],
        contact=contact or salon["client"].contact,
        company=None,
        service=salon["service"],
        specialist=specialist,
        starts_at=moment,
        now=now,
    )


def test_booking_across_the_daylight_saving_change_keeps_the_clock_time(salon):
    """Booked on Thursday (+01:00) for Monday after the change (+02:00): 09:00 on the clock is 07:00 UTC."""
    nine = wall(MONDAY_AFTER, T("09:00"), WARSAW)
    assert nine == datetime.datetime(2026, 3, 30, 7, tzinfo=datetime.UTC)
    booking = book(salon, nine, specialist=salon["anna"])
    assert booking.starts_at.astimezone(WARSAW).strftime("%H:%M %z") == "09:00 +0200"
    # The offered slots of that Monday start at 09:00 on the clock too, not at 10:00 (Cal.com #6844).
    slots = free_slots_for(
        salon["service"], specialists=[salon["olga"]], start=MONDAY_AFTER, end=MONDAY_AFTER, now=BEFORE_DST
    )
    assert min(slots).astimezone(WARSAW).strftime("%H:%M") == "09:00"


def test_a_booking_records_history_audit_and_the_webhook_event(salon):
    booking = book(salon, wall(MONDAY_AFTER, T("10:00"), WARSAW))
    assert booking.specialist == salon["anna"]  # "any": the first free specialist
    assert booking.held_until - booking.ends_at == datetime.timedelta(minutes=15)
    entry = TimelineEntry.objects.get(event="booking.created", subject_public_id=booking.public_id)
    with translation.override("pl"):
        assert render_entry(entry).startswith("Zarezerwowano: Strzyżenie")
    assert AuditEntry.objects.filter(event="booking.created").exists()
    assert OutboxEvent.objects.filter(type="booking.created").exists()
    # The client made it himself: he is not notified about it.
    assert not Notification.objects.filter(event="booking.created").exists()


def test_a_taken_time_is_refused_with_the_nearest_free_ones(salon):
    ten = wall(MONDAY_AFTER, T("10:00"), WARSAW)
    book(salon, ten, specialist=salon["anna"])
    other = f.client_user(company=None).contact
    with pytest.raises(actions.SlotTaken) as taken:
        book(salon, ten + datetime.timedelta(minutes=30), specialist=salon["anna"], contact=other)
    # Until 11:15 she is held by the first booking and its buffer (09:00 would run into it with its own).
    local = [slot.astimezone(WARSAW).strftime("%H:%M") for slot in taken.value.alternatives]
    assert local == ["11:15", "11:30", "11:45"]


def test_times_outside_the_rules_are_refused(salon):
    branch = salon["branch"]
    DateException.objects.create(specialist=salon["anna"], date=MONDAY_AFTER, day_off=True)
    BlockedPeriod.objects.create(
        branch=branch,
        starts_at=wall(MONDAY_AFTER, T("15:00"), WARSAW),
        ends_at=wall(MONDAY_AFTER, T("18:00"), WARSAW),
    )
    for moment, who in [
        (wall(MONDAY_AFTER, T("10:00"), WARSAW), salon["anna"]),  # her day off
        (wall(MONDAY_AFTER, T("16:00"), WARSAW), salon["olga"]),  # the branch is blocked
        (wall(MONDAY_AFTER, T("10:07"), WARSAW), salon["olga"]),  # not on the slot grid
        (BEFORE_DST + datetime.timedelta(minutes=30), salon["olga"]),  # under the minimum notice
    ]:
        with pytest.raises(actions.SlotTaken):
            book(salon, moment, specialist=who)


def test_the_per_client_cap(salon):
    salon["branch"].max_upcoming_per_client = 1
    salon["branch"].save()
    book(salon, wall(MONDAY_AFTER, T("10:00"), WARSAW))
    with pytest.raises(actions.BookingRefused) as refused:
        book(salon, wall(MONDAY_AFTER, T("12:00"), WARSAW))
    assert refused.value.code == "cap"


def test_reschedule_keeps_the_booking_and_frees_the_old_time(salon):
    booking = book(salon, wall(MONDAY_AFTER, T("10:00"), WARSAW), specialist=salon["anna"])
    moved = actions.reschedule_booking(
        actor=salon["client"],
        booking=booking,
        starts_at=wall(MONDAY_AFTER, T("14:00"), WARSAW),
        now=BEFORE_DST,
    )
    assert moved.public_id == booking.public_id
    assert moved.starts_at.astimezone(WARSAW).hour == 14
    assert OutboxEvent.objects.filter(type="booking.rescheduled").exists()
    again = book(
        salon,
        wall(MONDAY_AFTER, T("10:00"), WARSAW),
        specialist=salon["anna"],
        contact=f.client_user(company=None).contact,
    )
    assert again.specialist == salon["anna"]


def test_a_cancelled_booking_is_never_moved_back_to_life(salon):
    """Cal.com #29407: a cancelled booking's id reused to reschedule."""
    booking = book(salon, wall(MONDAY_AFTER, T("10:00"), WARSAW))
    actions.cancel_booking(actor=salon["client"], booking=booking, now=BEFORE_DST)
    with pytest.raises(actions.BookingRefused) as refused:
        actions.reschedule_booking(
            actor=salon["client"],
            booking=booking,
            starts_at=wall(MONDAY_AFTER, T("12:00"), WARSAW),
            now=BEFORE_DST,
        )
    assert refused.value.code == "inactive"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert OutboxEvent.objects.filter(type="booking.cancelled").exists()


def test_the_cancellation_window_binds_the_client_not_staff(salon):
    booking = book(salon, wall(MONDAY_AFTER, T("10:00"), WARSAW))
    late = booking.starts_at - datetime.timedelta(hours=11)
    with pytest.raises(actions.BookingRefused) as refused:
        actions.cancel_booking(actor=salon["client"], booking=booking, now=late)
    assert refused.value.code == "deadline"
    assert not actions.can_change(booking, now=late)
    assert actions.can_change(booking, now=booking.starts_at - datetime.timedelta(hours=13))
    staff = f.StaffFactory()
    actions.cancel_booking(actor=staff, booking=booking, now=late)
    # Staff cancelled it: the client is told, in his history and by a notice.
    assert Notification.objects.filter(event="booking.cancelled", contact=salon["client"].contact).exists()


def test_staff_mark_attendance(salon):
    booking = book(salon, wall(MONDAY_AFTER, T("10:00"), WARSAW))
    staff = f.StaffFactory()
    actions.mark_attendance(actor=staff, booking=booking, attended=False)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW
    assert OutboxEvent.objects.filter(type="booking.no_show").exists()


def test_reminders_go_out_once_each_24h_and_2h_before(salon):
    booking = book(salon, wall(MONDAY_AFTER, T("10:00"), WARSAW))
    start = booking.starts_at
    assert actions.send_due_reminders(now=start - datetime.timedelta(hours=30)) == 0
    assert actions.send_due_reminders(now=start - datetime.timedelta(hours=23)) == 1
    assert actions.send_due_reminders(now=start - datetime.timedelta(hours=22)) == 0
    assert actions.send_due_reminders(now=start - datetime.timedelta(hours=1, minutes=50)) == 1
    assert actions.send_due_reminders(now=start - datetime.timedelta(hours=1)) == 0
    notices = Notification.objects.filter(event="booking.reminder", contact=salon["client"].contact)
    assert notices.count() >= 1  # grouped or not, the recipient's centre has the reminder
    params = notices.first().params
    assert "Strzyżenie" in params["service"].values()
    assert {"ru", "en", "pl"} <= set(params["when"]) and "10:00" in params["when"]["pl"]


# --- group events --------------------------------------------------------------------------------------------


def test_seats_waitlist_and_cancelling_ones_own_seat_only():
    event = f.EventFactory(capacity=1, starts_at=BEFORE_DST + datetime.timedelta(days=5))
    event.ends_at = event.starts_at + datetime.timedelta(hours=1)
    event.save()
    first, second, third = (f.client_user(company=None).contact for _ in range(3))
    seat = actions.register_seat(actor=None, event=event, contact=first, company=None, now=BEFORE_DST)
    waiting = actions.register_seat(actor=None, event=event, contact=second, company=None, now=BEFORE_DST)
    last = actions.register_seat(actor=None, event=event, contact=third, company=None, now=BEFORE_DST)
    assert (seat.status, waiting.status, last.status) == ("registered", "waitlisted", "waitlisted")
    # Registering twice returns the same place.
    assert actions.register_seat(actor=None, event=event, contact=first, company=None, now=BEFORE_DST) == seat
    actions.cancel_seat(actor=None, seat=seat, now=BEFORE_DST)
    statuses = dict(Seat.objects.filter(event=event).values_list("contact_id", "status"))
    # Cal.com #11660: cancelling touched everyone. Here the first on the waitlist moves up, the rest stay.
    assert statuses == {first.pk: "cancelled", second.pk: "registered", third.pk: "waitlisted"}
    assert Notification.objects.filter(event="event.promoted", contact=second).exists()


def test_registration_closes_when_the_event_starts():
    event = f.EventFactory(starts_at=BEFORE_DST, ends_at=BEFORE_DST + datetime.timedelta(hours=1))
    with pytest.raises(actions.BookingRefused):
        actions.register_seat(
            actor=None, event=event, contact=f.client_user(company=None).contact, company=None, now=BEFORE_DST
        )


def test_slots_for_twenty_specialists_over_thirty_days_cost_a_fixed_number_of_queries(
    salon, django_assert_max_num_queries
):
    service = salon["service"]
    for _ in range(18):
        f.working_specialist(branch=salon["branch"], services=[service])
    for person in specialists_of(service):
        DateException.objects.create(specialist=person, date=MONDAY_AFTER, day_off=True)
    book(salon, wall(MONDAY_AFTER + datetime.timedelta(days=1), T("10:00"), WARSAW))
    people = list(specialists_of(service))
    assert len(people) == 20
    with django_assert_max_num_queries(5):
        slots = free_slots_for(
            service,
            specialists=people,
            start=MONDAY_AFTER,
            end=MONDAY_AFTER + datetime.timedelta(days=29),
            now=BEFORE_DST,
        )
    assert slots and all(slot.astimezone(WARSAW).date() != MONDAY_AFTER for slot in slots)


def test_the_reminder_email_is_in_the_recipients_language_with_the_calendar_link(salon):
    from kabinet.notifications.channels import Recipient
    from kabinet.notifications.rendering import render_message

    booking = book(salon, wall(MONDAY_AFTER, T("10:00"), WARSAW))
    actions.send_due_reminders(now=booking.starts_at - datetime.timedelta(hours=3))
    notice = Notification.objects.get(event="booking.reminder")
    recipient = Recipient(contact_id=notice.contact_id, name="Ola", language="pl", email="ola@example.test")
    message = render_message(notice, recipient, "email")
    assert message.text.startswith("Przypomnienie: „Strzyżenie”, specjalista Anna")
    assert "30 marca 2026 10:00" in message.text
    assert f"/bookings/{booking.public_id}/calendar.ics" in message.text and "calendar.ics" in message.html


def test_no_reminder_at_night_in_the_recipients_zone_it_waits_for_the_morning(salon):
    """Quiet hours 22:00–07:00 (Warsaw): the 24-hour reminder of a 23:30 visit is due at 23:30 the night
    before; it goes out at the first run after 07:00 instead."""
    booking = book(salon, wall(MONDAY_AFTER, T("10:00"), WARSAW))
    booking.starts_at = wall(MONDAY_AFTER, T("23:30"), WARSAW)  # the plan's hours do not matter here
    booking.ends_at = booking.held_until = booking.starts_at + datetime.timedelta(hours=1)
    booking.held_from = booking.starts_at
    booking.save()
    night = wall(MONDAY_AFTER - datetime.timedelta(days=1), T("23:30"), WARSAW)
    assert actions.send_due_reminders(now=night) == 0
    assert actions.send_due_reminders(now=night + datetime.timedelta(hours=7)) == 0  # 06:30, still quiet
    morning = wall(MONDAY_AFTER, T("07:00"), WARSAW)
    assert actions.send_due_reminders(now=morning) == 1
    booking.refresh_from_db()
    assert booking.reminded_24h_at == morning and booking.reminded_2h_at is None
    assert Notification.objects.filter(event="booking.reminder").count() == 1


def test_quiet_hours_are_read_on_the_clock_of_the_zone():
    from kabinet.bookings.actions import is_quiet

    assert is_quiet(wall(MONDAY_AFTER, T("06:59"), WARSAW), WARSAW)
    assert not is_quiet(wall(MONDAY_AFTER, T("07:00"), WARSAW), WARSAW)
    assert is_quiet(wall(MONDAY_AFTER, T("22:00"), WARSAW), WARSAW)
    # 22:00 in Warsaw is 00:00 in Moscow: quiet in both; 21:00 in Warsaw is 23:00 in Moscow
    assert not is_quiet(wall(MONDAY_AFTER, T("21:00"), WARSAW), WARSAW)
    assert is_quiet(wall(MONDAY_AFTER, T("21:00"), WARSAW), ZoneInfo("Europe/Moscow"))
