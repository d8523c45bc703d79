"""The client's bookings: choose a service → a specialist (or any) and a date → a time → confirm; see,
reschedule, cancel, add to a calendar; group events with seats.

Times are shown in the branch's time zone (where the client will be), named on the page.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kabinet.bookings import actions
from kabinet.bookings.calendar import booking_ics, feed_ics
from kabinet.bookings.forms import DayForm, SlotForm
from kabinet.bookings.models import OCCUPYING_STATUSES, Booking, Event, Seat, Service, Specialist
from kabinet.bookings.selectors import (
    booking_for_viewer,
    bookings_in_feed,
    bookings_visible_to,
    event_for_viewer,
    events_for_clients,
    free_slots_for,
    seat_for_viewer,
    seats_visible_to,
    service_for_viewer,
    services_for_clients,
    specialists_of,
)
from kabinet.bookings.zones import client_zone, zone_context
from kabinet.core.pagination import page_of
from kabinet.crm.models import Company, Contact

PER_PAGE = 20
WINDOW_DAYS = 14  # one slot computation covers two weeks of dates


def _client(request: HttpRequest) -> None:
    if not request.viewer.is_client:
        raise Http404


def _owner(request: HttpRequest) -> tuple[Contact, Company | None]:
    viewer = request.viewer
    # Only the two keys are needed by the actions: no query for the contact or the company.
    contact = Contact(pk=viewer.contact_id)
    company = Company(pk=viewer.active_company_id) if viewer.active_company_id else None
    return contact, company


@login_required
@require_GET
def bookings(request: HttpRequest) -> HttpResponse:
    """Upcoming bookings and seats first, then the past and cancelled ones (paginated)."""
    _client(request)
    now = timezone.now()
    visible = bookings_visible_to(request.viewer).select_related("service", "specialist", "branch")
    upcoming = list(
        visible.filter(status__in=OCCUPYING_STATUSES, ends_at__gt=now).order_by("starts_at", "id")[:50]
    )
    past = visible.exclude(pk__in=[b.pk for b in upcoming]).order_by("-starts_at", "-id")
    page = page_of(past, PER_PAGE, request.GET.get("page"))
    seats = list(
        seats_visible_to(request.viewer)
        .exclude(status=Seat.Status.CANCELLED)
        .filter(event__ends_at__gt=now)
        .select_related("event", "event__branch")
        .order_by("event__starts_at", "id")[:50]
    )
    return render(
        request,
        "bookings/list.html",
        {"upcoming": upcoming, "page": page, "past": page.object_list, "seats": seats, "query": ""},
    )


@login_required
@require_GET
def services(request: HttpRequest) -> HttpResponse:
    """Step 1: the services a client books online."""
    _client(request)
    queryset = (
        services_for_clients(request.viewer)
        .select_related("branch")
        .order_by("branch", "order", "name", "id")
    )
    page = page_of(queryset, PER_PAGE, request.GET.get("page"))
    return render(
        request, "bookings/services.html", {"page": page, "services": page.object_list, "query": ""}
    )


def _slot_context(
    request: HttpRequest,
    service: Service,
    people: list[Specialist],
    *,
    exclude_booking: int | None = None,
) -> dict[str, Any]:
    """The dates of a two-week window with their free times, for the chosen specialist or any."""
    zone = service.branch.zone
    now = timezone.now()
    today = now.astimezone(zone).date()
    form = DayForm(request.GET or None)
    chosen_date = None
    wanted = ""
    if form.is_bound and form.is_valid():
        chosen_date = form.cleaned_data["date"]
        wanted = form.cleaned_data["specialist"]
    chosen = next((person for person in people if person.public_id == wanted), None)
    if chosen_date is None or chosen_date < today:
        chosen_date = today
    offset = (chosen_date - today).days // WINDOW_DAYS * WINDOW_DAYS
    window_start = today + datetime.timedelta(days=offset)
    window_end = window_start + datetime.timedelta(days=WINDOW_DAYS - 1)
    free = free_slots_for(
        service,
        specialists=[chosen] if chosen else people,
        start=window_start,
        end=window_end,
        now=now,
        exclude_booking=exclude_booking,
    )
    by_date: dict[datetime.date, list[datetime.datetime]] = {}
    for slot in free:
        by_date.setdefault(slot.astimezone(zone).date(), []).append(slot)
    if chosen_date not in by_date and not (request.GET.get("date")):
        chosen_date = next(iter(sorted(by_date)), chosen_date)
    days = [
        {
            "date": window_start + datetime.timedelta(days=i),
            "free": bool(by_date.get(window_start + datetime.timedelta(days=i))),
        }
        for i in range(WINDOW_DAYS)
    ]
    later = window_end + datetime.timedelta(days=1)
    horizon = today + datetime.timedelta(days=service.branch.horizon_days)
    return {
        "service": service,
        "branch": service.branch,
        "people": people,
        "chosen": chosen,
        "days": days,
        "chosen_date": chosen_date,
        "times": by_date.get(chosen_date, []),
        "earlier": window_start - datetime.timedelta(days=WINDOW_DAYS) if offset > 0 else None,
        "later": later if later <= horizon else None,
        "specialist_param": chosen.public_id if chosen else "",
        **zone_context(request, service.branch),
    }


@login_required
@require_GET
def slots(request: HttpRequest, service_id: str) -> HttpResponse:
    """Step 2 and 3: a specialist (or any), a date, a time."""
    _client(request)
    try:
        service = service_for_viewer(request.viewer, service_id)
    except Service.DoesNotExist as exc:
        raise Http404 from exc
    people = list(specialists_of(service))
    context = _slot_context(request, service, people)
    context["next_url"] = reverse("bookings:confirm", args=[service.public_id])
    return render(request, "bookings/slots.html", context)


def _alternatives(service: Service, error: actions.SlotTaken, next_url: str, specialist: str) -> list[dict]:
    return [
        {"start": slot, "url": f"{next_url}?start={slot.isoformat()}&specialist={specialist}"}
        for slot in error.alternatives
    ]


@login_required
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, service_id: str) -> HttpResponse:
    """Step 4: what will be booked, and the button. A time taken meanwhile is a form error with the nearest
    free times offered instead."""
    _client(request)
    try:
        service = service_for_viewer(request.viewer, service_id)
    except Service.DoesNotExist as exc:
        raise Http404 from exc
    form = SlotForm(request.POST if request.method == "POST" else request.GET)
    specialist = None
    alternatives: list[dict] = []
    if form.is_valid() and form.cleaned_data["specialist"]:
        specialist = specialists_of(service).filter(public_id=form.cleaned_data["specialist"]).first()
        if specialist is None:
            form.add_error(None, _("Choose a specialist from the list."))
    if request.method == "POST" and form.is_valid():
        contact, company = _owner(request)
        try:
            booking = actions.book(
                actor=request.user,
                contact=contact,
                company=company,
                service=service,
                specialist=specialist,
                starts_at=form.cleaned_data["start"],
                comment=form.cleaned_data["comment"],
                client_time_zone=client_zone(request),
            )
        except actions.SlotTaken as error:
            form.add_error(None, error.message)
            alternatives = _alternatives(
                service,
                error,
                reverse("bookings:confirm", args=[service.public_id]),
                form.cleaned_data["specialist"],
            )
        except actions.BookingRefused as error:
            form.add_error(None, error.message)
        else:
            if booking.status == Booking.Status.AWAITING_PAYMENT:
                # Straight to paying: the time is held for him until ``payment_due_at``.
                messages.success(
                    request,
                    _("The time is held for you for %(minutes)s minutes: pay the prepayment to confirm it.")
                    % {"minutes": service.branch.payment_hold_minutes},
                )
                return HttpResponseRedirect(actions.pay_url(booking))
            messages.success(request, _("Booked. We are looking forward to seeing you."))
            return HttpResponseRedirect(reverse("bookings:detail", args=[booking.public_id]))
    return render(
        request,
        "bookings/confirm.html",
        {
            "service": service,
            "branch": service.branch,
            "specialist": specialist,
            "form": form,
            "start": form.cleaned_data.get("start") if form.is_valid() else None,
            "alternatives": alternatives,
            "back": reverse("bookings:slots", args=[service.public_id]),
            **zone_context(request, service.branch),
        },
        status=200,
    )


@login_required
@require_GET
def detail(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        booking = booking_for_viewer(request.viewer, public_id)
    except Booking.DoesNotExist as exc:
        raise Http404 from exc
    return render(
        request,
        "bookings/detail.html",
        {
            "booking": booking,
            "branch": booking.branch,
            "can_change": actions.can_change(booking, now=timezone.now()),
            "pay_url": actions.pay_url(booking) if booking.status == Booking.Status.AWAITING_PAYMENT else "",
            **zone_context(request, booking.branch),
        },
    )


@login_required
@require_POST
def cancel(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        booking = booking_for_viewer(request.viewer, public_id)
    except Booking.DoesNotExist as exc:
        raise Http404 from exc
    try:
        actions.cancel_booking(actor=request.user, booking=booking)
    except actions.BookingRefused as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The booking is cancelled."))
    return HttpResponseRedirect(reverse("bookings:detail", args=[booking.public_id]))


@login_required
@require_http_methods(["GET", "POST"])
def reschedule(request: HttpRequest, public_id: str) -> HttpResponse:
    """Another time for the same booking: the free times (GET), the confirmation (GET ``start``), the move
    (POST). A cancelled booking is never moved: it answers with a message, not a new booking on its id."""
    try:
        booking = booking_for_viewer(request.viewer, public_id)
    except Booking.DoesNotExist as exc:
        raise Http404 from exc
    here = reverse("bookings:reschedule", args=[booking.public_id])
    if not actions.can_change(booking, now=timezone.now()):
        messages.error(request, _("This booking can no longer be changed online."))
        return HttpResponseRedirect(reverse("bookings:detail", args=[booking.public_id]))
    service = booking.service
    form = SlotForm(request.POST if request.method == "POST" else request.GET)
    if request.method == "GET" and "start" not in request.GET:
        context = _slot_context(request, service, [booking.specialist], exclude_booking=booking.pk)
        context.update({"next_url": here, "booking": booking})
        return render(request, "bookings/slots.html", context)
    alternatives: list[dict] = []
    if request.method == "POST" and form.is_valid():
        try:
            actions.reschedule_booking(
                actor=request.user, booking=booking, starts_at=form.cleaned_data["start"]
            )
        except actions.SlotTaken as error:
            form.add_error(None, error.message)
            alternatives = _alternatives(service, error, here, "")
        except actions.BookingRefused as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The booking is moved."))
            return HttpResponseRedirect(reverse("bookings:detail", args=[booking.public_id]))
    return render(
        request,
        "bookings/confirm.html",
        {
            "service": service,
            "branch": booking.branch,
            "specialist": booking.specialist,
            "booking": booking,
            "form": form,
            "start": form.cleaned_data.get("start") if form.is_valid() else None,
            "alternatives": alternatives,
            "back": here,
            **zone_context(request, booking.branch),
        },
    )


@login_required
@require_GET
def ics(request: HttpRequest, public_id: str) -> HttpResponse:
    """The booking as an iCalendar file (add to calendar)."""
    try:
        booking = booking_for_viewer(request.viewer, public_id)
    except Booking.DoesNotExist as exc:
        raise Http404 from exc
    response = HttpResponse(
        booking_ics(booking, host=request.get_host()), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="booking.ics"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- group events ------------------------------------------------------------------------------------------


@login_required
@require_GET
def events(request: HttpRequest) -> HttpResponse:
    _client(request)
    now = timezone.now()
    queryset = events_for_clients(request.viewer, now=now).order_by("starts_at", "id")
    page = page_of(queryset, PER_PAGE, request.GET.get("page"))
    mine = dict(
        seats_visible_to(request.viewer)
        .exclude(status=Seat.Status.CANCELLED)
        .filter(event__in=[e.pk for e in page.object_list])
        .values_list("event_id", "status")
    )
    rows = [
        {"event": e, "mine": mine.get(e.pk), "left": max(e.capacity - e.taken, 0)} for e in page.object_list
    ]
    return render(request, "bookings/events.html", {"page": page, "rows": rows, "query": ""})


@login_required
@require_GET
def event(request: HttpRequest, public_id: str) -> HttpResponse:
    now = timezone.now()
    try:
        item = event_for_viewer(request.viewer, public_id, now=now)
    except Event.DoesNotExist as exc:
        raise Http404 from exc
    seat = seats_visible_to(request.viewer).exclude(status=Seat.Status.CANCELLED).filter(event=item).first()
    return render(
        request,
        "bookings/event.html",
        {
            "event": item,
            "branch": item.branch,
            "seat": seat,
            "left": max(item.capacity - item.taken, 0),
            "open": item.starts_at > now and not item.cancelled,
        },
    )


@login_required
@require_POST
def register(request: HttpRequest, public_id: str) -> HttpResponse:
    now = timezone.now()
    try:
        item = event_for_viewer(request.viewer, public_id, now=now)
    except Event.DoesNotExist as exc:
        raise Http404 from exc
    contact, company = _owner(request)
    try:
        seat = actions.register_seat(
            actor=request.user, event=item, contact=contact, company=company, now=now
        )
    except actions.BookingRefused as error:
        messages.error(request, str(error.message))
    else:
        if seat.status == Seat.Status.REGISTERED:
            messages.success(request, _("You are registered."))
        else:
            messages.info(
                request,
                _("The event is full: you are on the waitlist and will be told when a seat frees up."),
            )
    return HttpResponseRedirect(reverse("bookings:event", args=[item.public_id]))


@login_required
@require_POST
def cancel_seat(request: HttpRequest, public_id: str) -> HttpResponse:
    """Give up one's own seat: the seat is found by its own id among the viewer's seats only."""
    try:
        seat = seat_for_viewer(request.viewer, public_id)
    except Seat.DoesNotExist as exc:
        raise Http404 from exc
    actions.cancel_seat(actor=request.user, seat=seat)
    messages.success(request, _("Your registration is cancelled."))
    return HttpResponseRedirect(reverse("bookings:event", args=[seat.event.public_id]))


# --- the personal calendar feed ----------------------------------------------------------------------------


@login_required
@require_POST
def feed_new(request: HttpRequest) -> HttpResponse:
    """Make a new personal feed URL (the old one stops working) and show it once."""
    _client(request)
    contact, _company = _owner(request)
    token = actions.renew_calendar_feed(actor=request.user, contact=contact)
    url = request.build_absolute_uri(reverse("bookings:feed", args=[token]))
    return render(request, "bookings/feed.html", {"feed_url": url})


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed a calendar app subscribes to: no session, the secret in the URL is the key."""
    if len(token) > 64:
        raise Http404
    rows = bookings_in_feed(token, now=timezone.now())
    if rows is None:
        raise Http404
    response = HttpResponse(
        feed_ics(rows, host=request.get_host()), content_type="text/calendar; charset=utf-8"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
