"""The client's booking pages: three clicks from the start page, a time taken meanwhile, bad input, reschedule,
cancel, the calendar file, events, the staff day view and the back office; fixed query budgets."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kabinet.bookings.models import Booking, Seat
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(world):
    return f.booking_world(world)


def first_slot_link(html: str) -> str:
    marker = 'class="slot-grid"'
    assert marker in html
    part = html.split(marker, 1)[1]
    return part.split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")


def test_three_clicks_from_the_start_page_to_a_booking(world, offer):
    client = world.client_for(Role.COLLEAGUE)
    home = client.get(reverse("portal:home")).content.decode()
    assert reverse("bookings:new") in home  # click 1: the quick action "Book a service"
    services = client.get(reverse("bookings:new")).content.decode()
    slots_url = reverse("bookings:slots", args=[offer["service"].public_id])
    assert slots_url in services  # click 2: the service
    confirm_url = first_slot_link(client.get(slots_url).content.decode())  # click 3: a time
    page = client.get(confirm_url)
    assert page.status_code == 200 and page.context["start"] is not None
    response = client.post(confirm_url.split("?")[0], {**page.context["form"].data.dict(), "comment": "Hi"})
    booking = Booking.objects.get(contact=world.user(Role.COLLEAGUE).contact)
    assert response.status_code == 302 and response["Location"] == reverse(
        "bookings:detail", args=[booking.public_id]
    )
    assert booking.company == world.company and booking.comment == "Hi"
    detail = client.get(response["Location"]).content.decode()
    assert "OWNER-SVC" in detail and reverse("bookings:ics", args=[booking.public_id]) in detail


def test_a_time_taken_meanwhile_is_a_form_error_with_the_nearest_times(world, offer):
    taken = offer["booking"]
    client = world.client_for(Role.COLLEAGUE)
    response = client.post(
        reverse("bookings:confirm", args=[offer["service"].public_id]),
        {"start": taken.starts_at.isoformat(), "specialist": ""},
    )
    assert response.status_code == 200
    assert "this time has just been taken" in response.content.decode()
    assert response.context["alternatives"]
    assert Booking.objects.filter(starts_at=taken.starts_at, status="confirmed").count() == 1


@pytest.mark.parametrize("start", ["", "tomorrow", "2026-13-40T10:00", "2030-01-01T10:00", "x" * 500])
def test_bad_input_is_a_field_error(world, offer, start):
    client = world.client_for(Role.OWNER)
    url = reverse("bookings:confirm", args=[offer["service"].public_id])
    response = client.post(url, {"start": start, "specialist": "nobody"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert client.get(url, {"start": start}).status_code == 200
    assert (
        client.get(reverse("bookings:slots", args=[offer["service"].public_id]), {"date": start}).status_code
        == 200
    )


def test_reschedule_and_cancel_from_the_cabinet(world, offer):
    booking = offer["booking"]
    client = world.client_for(Role.OWNER)
    url = reverse("bookings:reschedule", args=[booking.public_id])
    day = booking.starts_at.astimezone(offer["branch"].zone).date()  # three days ahead: outside the deadline
    link = first_slot_link(client.get(url, {"date": day.isoformat()}).content.decode())
    page = client.get(link)
    assert page.context["start"] is not None
    assert client.post(url, page.context["form"].data.dict()).status_code == 302
    booking.refresh_from_db()
    assert booking.starts_at == page.context["start"] and booking.status == "confirmed"
    assert client.post(reverse("bookings:cancel", args=[booking.public_id])).status_code == 302
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    # A cancelled booking cannot be moved: the page says so and nothing changes.
    response = client.post(url, page.context["form"].data.dict())
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "cancelled"


def test_the_calendar_file(world, offer):
    booking = offer["booking"]
    response = world.client_for(Role.OWNER).get(reverse("bookings:ics", args=[booking.public_id]))
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    assert f"UID:{booking.public_id}@" in body
    assert f"DTSTART:{booking.starts_at.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_register_and_cancel_ones_own_seat(world, offer):
    event = offer["event"]
    client = world.client_for(Role.COLLEAGUE)
    client.post(reverse("bookings:register", args=[event.public_id]))
    seat = Seat.objects.get(event=event, contact=world.user(Role.COLLEAGUE).contact)
    assert seat.status == "registered"
    # The colleague cannot give up the owner's seat by its id, and giving up his own leaves the owner's.
    assert client.post(reverse("bookings:cancel_seat", args=[offer["seat"].public_id])).status_code == 404
    client.post(reverse("bookings:cancel_seat", args=[seat.public_id]))
    assert dict(Seat.objects.filter(event=event).values_list("public_id", "status")) == {
        seat.public_id: "cancelled",
        offer["seat"].public_id: "registered",
    }


def test_staff_day_view_marks_attendance(world, offer):
    staff = world.user(Role.STAFF)
    staff.user_permissions.add(
        Permission.objects.get(content_type__app_label="bookings", codename="change_booking")
    )
    client = world.client_for(Role.STAFF)
    assert (
        reverse("bookings:staff_day") in client.get(reverse("portal:staff_home")).content.decode()
    )  # the menu
    booking = offer["booking"]
    day = booking.starts_at.astimezone(offer["branch"].zone).date()
    page = client.get(
        reverse("bookings:staff_day"), {"branch": offer["branch"].public_id, "date": day.isoformat()}
    )
    assert "OWNER-SVC" in page.content.decode() and "FOREIGN-SVC" in page.content.decode()
    client.post(reverse("bookings:staff_act", args=[booking.public_id, "no_show"]))
    booking.refresh_from_db()
    assert booking.status == "no_show"
    assert client.get(reverse("bookings:staff_day"), {"date": "garbage"}).status_code == 200


def test_staff_week_calendar_places_bookings_by_day_and_hour(world, offer):
    staff = world.user(Role.STAFF)
    staff.user_permissions.add(
        Permission.objects.get(content_type__app_label="bookings", codename="change_booking")
    )
    client = world.client_for(Role.STAFF)
    booking, zone = offer["booking"], offer["branch"].zone
    local = booking.starts_at.astimezone(zone)
    url = reverse("bookings:staff_week")
    page = client.get(url, {"branch": offer["branch"].public_id, "week": local.date().isoformat()})
    monday = page.context["monday"]
    assert monday.weekday() == 0 and monday <= local.date() < page.context["next"]
    column = (local.date() - monday).days
    row = next(r for r in page.context["grid"] if r["hour"].hour == local.hour)
    assert booking in row["cells"][column]
    html = page.content.decode()
    assert 'class="week-grid"' in html and 'class="week-list"' in html and "OWNER-SVC" in html
    # One specialist only; another week is empty; a bad week or specialist is the current week, everyone.
    other = f.working_specialist(branch=offer["branch"], name="Zoe")
    page = client.get(url, {"week": local.date().isoformat(), "specialist": other.public_id})
    assert page.context["specialist"] == other and not any(d["bookings"] for d in page.context["days"])
    later = client.get(url, {"week": page.context["next"].isoformat()})
    assert not any(d["bookings"] for d in later.context["days"])
    bad = client.get(url, {"week": "2026-99-99", "specialist": "nobody", "branch": "x" * 300})
    assert bad.status_code == 200 and bad.context["specialist"] is None


def test_staff_week_calendar_budget_does_not_grow_with_data(world, offer):
    staff = world.user(Role.STAFF)
    staff.user_permissions.add(
        Permission.objects.get(content_type__app_label="bookings", codename="change_booking")
    )
    client = world.client_for(Role.STAFF)
    week = offer["booking"].starts_at.astimezone(offer["branch"].zone).date().isoformat()
    url = reverse("bookings:staff_week") + f"?branch={offer['branch'].public_id}&week={week}"
    grow(world, 2)
    small = count(client, url)
    grow(world, 15)
    large = count(client, url)
    assert small == large <= 9, f"{small} queries on a small world, {large} on a large one"


def test_back_office_books_through_the_action(world, offer, client):
    boss = f.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(boss)
    owner = world.user(Role.OWNER).contact
    start = offer["booking"].starts_at + datetime.timedelta(hours=4)
    local = start.astimezone(datetime.UTC)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.get_current_timezone", lambda: datetime.UTC)
        response = client.post(
            reverse("admin:bookings_booking_add"),
            {
                "service": offer["service"].pk,
                "specialist": offer["specialist"].pk,
                "contact": owner.pk,
                "company": world.company.pk,
                "starts_at_0": local.strftime("%Y-%m-%d"),
                "starts_at_1": local.strftime("%H:%M:%S"),
                "comment": "by phone",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    booking = Booking.objects.get(comment="by phone")
    assert booking.held_until > booking.ends_at or booking.held_until == booking.ends_at
    assert client.get(reverse("admin:bookings_booking_change", args=[booking.pk])).status_code == 200
    assert (
        client.get(reverse("admin:bookings_specialist_change", args=[offer["specialist"].pk])).status_code
        == 200
    )
    assert client.get(reverse("admin:bookings_event_change", args=[offer["event"].pk])).status_code == 200


# --- query budgets ---------------------------------------------------------------------------------------------

PAGES = {
    "list": (lambda w: reverse("bookings:list"), 7),
    "new": (lambda w: reverse("bookings:new"), 6),
    "slots": (lambda w: reverse("bookings:slots", args=[w.extra["service"].public_id]), 11),
    "detail": (lambda w: reverse("bookings:detail", args=[w.extra["booking"].public_id]), 5),
    "reschedule": (lambda w: reverse("bookings:reschedule", args=[w.extra["booking"].public_id]), 11),
    "events": (lambda w: reverse("bookings:events"), 6),
    "event": (lambda w: reverse("bookings:event", args=[w.extra["event"].public_id]), 6),
}


def grow(world, n: int) -> None:
    owner = world.user(Role.OWNER).contact
    service, branch = world.extra["service"], world.extra["branch"]
    for i in range(n):
        person = f.working_specialist(branch=branch, services=[service])
        f.book_for(
            contact=owner, company=world.company, service=service, specialist=person, days_ahead=2 + i % 5
        )
        f.EventFactory(branch=branch)
        f.ServiceFactory(branch=branch)


def count(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_budget_does_not_grow_with_data(world, offer, name):
    url_of, budget = PAGES[name]
    client = world.client_for(Role.COMPANY_ADMIN)
    grow(world, 2)
    small = count(client, url_of(world))
    grow(world, 12)
    large = count(client, url_of(world))
    assert large <= budget, f"{name}: {large} queries (budget {budget})"
    assert small == large, f"{name}: {small} queries on a small world, {large} on a large one"


def test_the_personal_calendar_feed_is_shown_once_and_renewing_revokes_it(world, offer):
    client = world.client_for(Role.OWNER)
    first = client.post(reverse("bookings:feed_new")).context["feed_url"]
    path = first.split("testserver", 1)[1]
    body = Client().get(path).content.decode()  # a calendar app: no session
    assert "OWNER-SVC" in body and "FOREIGN-SVC" not in body and body.count("BEGIN:VEVENT") == 1
    second = client.post(reverse("bookings:feed_new")).context["feed_url"]
    assert second != first
    assert Client().get(path).status_code == 404
    assert Client().get(second.split("testserver", 1)[1]).status_code == 200


def test_the_back_office_refuses_a_taken_time_with_a_message(world, offer, client):
    client.force_login(f.UserFactory(is_staff=True, is_superuser=True))
    taken = offer["booking"].starts_at.astimezone(datetime.UTC)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.get_current_timezone", lambda: datetime.UTC)
        response = client.post(
            reverse("admin:bookings_booking_add"),
            {
                "service": offer["service"].pk,
                "specialist": offer["specialist"].pk,
                "contact": world.user(Role.COLLEAGUE).contact.pk,
                "starts_at_0": taken.strftime("%Y-%m-%d"),
                "starts_at_1": taken.strftime("%H:%M:%S"),
            },
            follow=True,
        )
    assert response.status_code == 200
    assert "this time has just been taken" in response.content.decode()
    assert Booking.objects.filter(starts_at=offer["booking"].starts_at).count() == 1
