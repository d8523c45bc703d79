"""The public booking page: a visitor without an account books with an SMS code; the booking goes to the
contact with that verified phone or a new one; codes are hashed, single use, limited; the page is switched per
branch and service; fixed query budgets."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from kabinet.bookings.models import Booking
from kabinet.bookings.tests.test_portal import count, first_slot_link, grow
from kabinet.core.models import AuditEntry
from kabinet.crm.models import Contact, ContactPhone
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db

PHONE = "+79161234567"


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()  # the code limits are counted in the cache
    yield
    cache.clear()


@pytest.fixture
def offer(world):
    extra = f.booking_world(world)
    extra["branch"].public_booking = True
    extra["branch"].save(update_fields=["public_booking"])
    return extra


def ask_for_code(visitor: Client, offer, *, phone: str = "8 916 123-45-67", name: str = "Anna Petrova"):
    page = visitor.get(reverse("bookings:public")).content.decode()
    slots_url = reverse("bookings:public_slots", args=[offer["service"].public_id])
    assert slots_url in page
    confirm_url = first_slot_link(visitor.get(slots_url).content.decode())
    start = visitor.get(confirm_url).context["start"]
    assert start is not None
    response = visitor.post(
        confirm_url.split("?")[0],
        {"start": start.isoformat(), "specialist": "", "name": name, "phone": phone, "comment": "Hi"},
    )
    return response, start


def code_of(sms_outbox) -> str:
    return sms_outbox[-1].text.split()[0]


def test_a_new_visitor_books_with_the_code_and_becomes_a_contact(offer, sms_outbox):
    offer["branch"].cancel_deadline_hours = 0  # whatever the hour the test runs, he may still cancel
    offer["branch"].save(update_fields=["cancel_deadline_hours"])
    visitor = Client()
    contacts = Contact.objects.count()
    response, start = ask_for_code(visitor, offer)
    assert response.status_code == 302 and response["Location"] == reverse("bookings:public_verify")
    assert len(sms_outbox) == 1 and sms_outbox[0].to == PHONE
    code = code_of(sms_outbox)
    # the session keeps only the code's keyed hash
    assert code not in str(dict(visitor.session.items()))
    verify = reverse("bookings:public_verify")
    assert "***" in visitor.get(verify).content.decode()  # the number is masked
    wrong = visitor.post(verify, {"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 200 and wrong.context["form"].errors["code"]
    assert not Booking.objects.filter(starts_at=start).exists()
    done = visitor.post(verify, {"code": code})
    booking = Booking.objects.get(starts_at=start, status="confirmed")
    assert done.status_code == 302
    assert done["Location"] == reverse("bookings:public_booking", args=[booking.public_id])
    assert Contact.objects.count() == contacts + 1
    assert booking.company is None and booking.comment == "Hi"
    assert booking.contact.first_name == "Anna" and booking.contact.last_name == "Petrova"
    assert ContactPhone.objects.get(contact=booking.contact, phone=PHONE).verified_at is not None
    page = visitor.get(done["Location"]).content.decode()
    assert "OWNER-SVC" in page
    # the code is spent
    assert visitor.post(verify, {"code": code}).status_code == 302
    assert Booking.objects.filter(contact=booking.contact).count() == 1
    # another browser does not see it by its id
    assert Client().get(done["Location"]).status_code == 404
    cancelled = visitor.post(reverse("bookings:public_cancel", args=[booking.public_id]))
    assert cancelled.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "cancelled"


def test_a_known_verified_phone_books_for_its_contact(world, offer, sms_outbox):
    owner = world.user(Role.OWNER).contact
    ContactPhone.objects.create(contact=owner, phone=PHONE, is_primary=True, verified_at="2026-01-01T00:00Z")
    visitor = Client()
    ask_for_code(visitor, offer, name="Somebody Else")
    contacts = Contact.objects.count()
    done = visitor.post(reverse("bookings:public_verify"), {"code": code_of(sms_outbox)})
    booking = Booking.objects.get(public_id=done["Location"].rstrip("/").rsplit("/", 1)[1])
    assert booking.contact == owner and Contact.objects.count() == contacts
    page = visitor.get(done["Location"]).content.decode()
    assert reverse("bookings:list") in page  # the code signed him in: the way into the cabinet


def test_the_verified_code_signs_the_visitor_in_with_a_new_session(world, offer, sms_outbox):
    owner = world.user(Role.OWNER)
    ContactPhone.objects.create(
        contact=owner.contact, phone=PHONE, is_primary=True, verified_at="2026-01-01T00:00Z"
    )
    visitor = Client()
    ask_for_code(visitor, offer)
    before = visitor.session.session_key
    assert "_auth_user_id" not in visitor.session
    done = visitor.post(reverse("bookings:public_verify"), {"code": code_of(sms_outbox)})
    assert visitor.session.session_key != before  # rotated: a session id seen before signing in is worthless
    assert visitor.session["_auth_user_id"] == str(owner.pk)
    assert AuditEntry.objects.filter(event="auth.login", actor=owner).exists()
    page = visitor.get(done["Location"])  # the session still knows the booking it made
    assert page.status_code == 200 and page.context["signed_in"]
    assert visitor.get(reverse("bookings:list")).status_code == 200  # in the cabinet


def test_an_account_with_two_factor_is_not_signed_in_silently(world, offer, sms_outbox):
    from allauth.mfa.models import Authenticator

    owner = world.user(Role.OWNER)
    Authenticator.objects.create(user=owner, type=Authenticator.Type.TOTP, data={"secret": "x"})
    ContactPhone.objects.create(
        contact=owner.contact, phone=PHONE, is_primary=True, verified_at="2026-01-01T00:00Z"
    )
    visitor = Client()
    ask_for_code(visitor, offer)
    done = visitor.post(reverse("bookings:public_verify"), {"code": code_of(sms_outbox)})
    assert done.status_code == 302 and "_auth_user_id" not in visitor.session
    public_id = done["Location"].rstrip("/").rsplit("/", 1)[1]
    page = visitor.get(done["Location"]).content.decode()
    assert reverse("bookings:detail", args=[public_id]) in page  # he signs in the normal way


def test_an_unverified_phone_matches_nobody(world, offer, sms_outbox):
    owner = world.user(Role.OWNER).contact
    ContactPhone.objects.create(contact=owner, phone=PHONE, is_primary=True)
    visitor = Client()
    ask_for_code(visitor, offer)
    done = visitor.post(reverse("bookings:public_verify"), {"code": code_of(sms_outbox)})
    booking = Booking.objects.get(public_id=done["Location"].rstrip("/").rsplit("/", 1)[1])
    assert booking.contact != owner


def test_codes_are_rate_limited_per_phone(offer, sms_outbox):
    first, _start = ask_for_code(Client(), offer)
    again, _start = ask_for_code(Client(), offer)
    assert first.status_code == 302 and again.status_code == 429
    assert len(sms_outbox) == 1


def test_five_wrong_codes_end_the_code(offer, sms_outbox):
    visitor = Client()
    ask_for_code(visitor, offer)
    code = code_of(sms_outbox)
    wrong = "000000" if code != "000000" else "111111"
    verify = reverse("bookings:public_verify")
    for _ in range(5):
        visitor.post(verify, {"code": wrong})
    response = visitor.post(verify, {"code": code})
    assert response.status_code == 200 and response.context["form"].errors["code"]
    assert not Booking.objects.filter(company__isnull=True, comment="Hi").exists()


def test_a_taken_time_sends_no_code(offer, sms_outbox):
    taken = offer["booking"]
    response = Client().post(
        reverse("bookings:public_confirm", args=[offer["service"].public_id]),
        {"start": taken.starts_at.isoformat(), "name": "Anna", "phone": PHONE},
    )
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert sms_outbox == []


def test_a_time_taken_while_the_code_travels_offers_the_nearest(world, offer, sms_outbox):
    visitor = Client()
    _response, start = ask_for_code(visitor, offer)
    f.book_for(
        contact=world.user(Role.OTHER_CLIENT).contact,
        company=world.other_company,
        service=offer["service"],
        days_ahead=(start.astimezone(offer["branch"].zone).date() - _today(offer)).days,
        at=start.astimezone(offer["branch"].zone).strftime("%H:%M"),
    )
    contacts = Contact.objects.count()
    page = visitor.post(reverse("bookings:public_verify"), {"code": code_of(sms_outbox)})
    assert page.status_code == 200 and page.context["alternatives"]
    assert Contact.objects.count() == contacts  # nothing half-written


def _today(offer):
    from django.utils import timezone

    return timezone.now().astimezone(offer["branch"].zone).date()


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "phone": PHONE},
        {"name": "Anna", "phone": "12"},
        {"name": "Anna", "phone": PHONE, "start": "nonsense"},
        {"name": "   ", "phone": PHONE, "specialist": "x" * 300},
    ],
)
def test_bad_input_is_a_field_error(offer, sms_outbox, data):
    url = reverse("bookings:public_confirm", args=[offer["service"].public_id])
    response = Client().post(url, data)
    assert response.status_code == 200 and response.context["form"].errors
    assert sms_outbox == []
    assert Client().get(url, {"start": "x" * 500}).status_code == 200


def test_switched_off_services_and_branches_are_not_offered(offer):
    service = offer["service"]
    service.public_booking = False
    service.save(update_fields=["public_booking"])
    assert "OWNER-SVC" not in Client().get(reverse("bookings:public")).content.decode()
    assert Client().get(reverse("bookings:public_slots", args=[service.public_id])).status_code == 404


PAGES = {
    "public": (lambda w: reverse("bookings:public"), 4),
    "public_slots": (lambda w: reverse("bookings:public_slots", args=[w.extra["service"].public_id]), 9),
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_public_page_budget_does_not_grow_with_data(world, offer, name):
    url_of, budget = PAGES[name]
    visitor = Client()
    grow(world, 2)
    small = count(visitor, url_of(world))
    grow(world, 12)
    large = count(visitor, url_of(world))
    assert large <= budget, f"{name}: {large} queries (budget {budget})"
    assert small == large, f"{name}: {small} queries on a small world, {large} on a large one"


# --- the client's own time zone --------------------------------------------------------------------------------

ZONE_WORDS = {
    "en": ("Moscow time", "Warsaw time"),
    "ru": ("время: Москва", "время: Варшава"),
    "pl": ("czas: Moskwa", "czas: Warszawa"),
}


def test_a_client_in_another_zone_sees_the_branchs_time_and_his_own(world, offer):
    """The branch is in Warsaw, the client's browser in Moscow (two or three hours ahead): every page names both
    clocks, the booking keeps his zone, and what he is told (history, emails) says both."""
    client = world.client_for(Role.COLLEAGUE)
    client.cookies["kabinet_tz"] = "Europe%2FMoscow"  # as zone.js writes it
    slots_url = reverse("bookings:slots", args=[offer["service"].public_id])
    slots = client.get(slots_url)
    assert slots.context["client_zone"] == "Europe/Moscow"
    moscow, warsaw = ZONE_WORDS[slots.wsgi_request.LANGUAGE_CODE]
    assert f"({moscow})" in slots.content.decode()
    confirm_url = first_slot_link(slots.content.decode())
    page = client.get(confirm_url)
    assert moscow in page.content.decode()
    client.post(confirm_url.split("?")[0], page.context["form"].data.dict())
    booking = Booking.objects.get(contact=world.user(Role.COLLEAGUE).contact)
    assert booking.client_time_zone == "Europe/Moscow"
    detail = client.get(reverse("bookings:detail", args=[booking.public_id])).content.decode()
    assert f"({warsaw})" in detail and f"({moscow})" in detail
    from kabinet.crm.models import TimelineEntry

    # Zones in words in every language (Babel's city names), never the IANA names.
    when = TimelineEntry.objects.filter(event="booking.created").latest("id").data["when"]
    for language, (moscow, warsaw) in ZONE_WORDS.items():
        assert f"({warsaw})" in when[language] and f"({moscow})" in when[language], when[language]
        assert "Europe/" not in when[language]


@pytest.mark.parametrize("cookie", ["Mars%2FBase", "Europe/Warsaw", "x" * 300, ""])
def test_an_unknown_or_the_same_zone_shows_one_clock(world, offer, cookie):
    client = world.client_for(Role.OWNER)
    client.cookies["kabinet_tz"] = cookie
    page = client.get(reverse("bookings:slots", args=[offer["service"].public_id]))
    assert page.status_code == 200 and page.context["client_zone"] == ""


def test_a_visitor_in_another_zone_keeps_his_zone_on_the_booking(offer, sms_outbox):
    visitor = Client()
    visitor.cookies["kabinet_tz"] = "Asia%2FYekaterinburg"
    ask_for_code(visitor, offer)
    done = visitor.post(reverse("bookings:public_verify"), {"code": code_of(sms_outbox)})
    booking = Booking.objects.get(public_id=done["Location"].rstrip("/").rsplit("/", 1)[1])
    assert booking.client_time_zone == "Asia/Yekaterinburg"
    page = visitor.get(done["Location"])
    assert "Asia/" not in page.content.decode()
    assert {"ru": "(время: Екатеринбург)", "en": "(Yekaterinburg time)", "pl": "(czas: Jekaterynburg)"}[
        page.wsgi_request.LANGUAGE_CODE
    ] in page.content.decode()


def test_quiet_hours_follow_the_clients_zone(offer):
    from kabinet.bookings import actions

    booking = offer["booking"]  # a Warsaw branch
    booking.client_time_zone = "Asia/Vladivostok"  # nine hours ahead in January
    booking.save(update_fields=["client_time_zone"])
    evening = datetime.datetime(2026, 1, 15, 20, 30, tzinfo=datetime.UTC)  # 21:30 Warsaw, 06:30 Vladivostok
    assert actions.is_quiet(evening, actions.recipient_zone(booking))
    assert not actions.is_quiet(evening, booking.branch.zone)
    later = evening + datetime.timedelta(hours=2)  # 23:30 Warsaw, 08:30 Vladivostok
    assert not actions.is_quiet(later, actions.recipient_zone(booking))
