"""Reads of bookings: the viewer-scoped selectors, and the data the free-slot engine needs.

Bookings follow the one scope rule (``scope_to_viewer``): a member sees his own, a company admin those of
the company. Seats are personal (``seats_visible_to``): a seat is one person's place, and only he acts on it.
Services, specialists and events are the business's offer: any client sees the published ones.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, prefetch_related_objects

from kabinet.bookings.models import (
    OCCUPYING_STATUSES,
    BlockedPeriod,
    Booking,
    Branch,
    CalendarFeed,
    DateException,
    Event,
    Seat,
    Service,
    Specialist,
)
from kabinet.bookings.slots import Rules, Schedule, any_specialist, wall
from kabinet.core.viewer import Viewer, scope_to_viewer


def bookings_visible_to(viewer: Viewer) -> QuerySet[Booking]:
    """Bookings of the viewer's scope: his own, or all of the active company for its admin."""
    return scope_to_viewer(Booking.objects.all(), viewer)


def booking_for_viewer(viewer: Viewer, public_id: str) -> Booking:
    """One booking by public id with its service, specialist and branch, or ``Booking.DoesNotExist``."""
    return (
        bookings_visible_to(viewer)
        .select_related("service", "specialist", "branch", "invoice")
        .get(public_id=public_id)
    )


def seats_visible_to(viewer: Viewer) -> QuerySet[Seat]:
    """The viewer's own seats (and waitlist places) in his active company context — never a colleague's."""
    if not viewer.is_client:
        return Seat.objects.none()
    return Seat.objects.filter(contact_id=viewer.contact_id, company_id=viewer.active_company_id)


def seat_for_viewer(viewer: Viewer, public_id: str) -> Seat:
    return seats_visible_to(viewer).select_related("event").get(public_id=public_id)


def services_for_clients(viewer: Viewer) -> QuerySet[Service]:
    """Services a client may book online (active, in an active branch); nothing for a non-client."""
    if not viewer.is_client:
        return Service.objects.none()
    return Service.objects.filter(active=True, online_bookable=True, branch__active=True)


def service_for_viewer(viewer: Viewer, public_id: str) -> Service:
    return services_for_clients(viewer).select_related("branch").get(public_id=public_id)


def services_for_visitors() -> QuerySet[Service]:
    """Services on the public booking page: bookable online, switched on for the page, in an active branch whose
    public page is on. The same offer for everybody, signed in or not. A service with a prepayment is booked in
    the cabinet only (paying needs the client's own invoice page)."""
    return Service.objects.filter(
        active=True,
        online_bookable=True,
        public_booking=True,
        prepayment_required=False,
        branch__active=True,
        branch__public_booking=True,
    )


def service_for_visitor(public_id: str) -> Service:
    return services_for_visitors().select_related("branch").get(public_id=public_id)


def bookings_for_visitor(public_ids: Sequence[str]) -> QuerySet[Booking]:
    """The bookings this visitor's session made on the public page after proving the phone with a code (the
    session keeps their public ids); nothing else, whoever asks."""
    return Booking.objects.filter(public_id__in=list(public_ids)[-20:])


def booking_for_visitor(public_ids: Sequence[str], public_id: str) -> Booking:
    """One booking of the visitor's session by public id, or ``Booking.DoesNotExist``."""
    return (
        bookings_for_visitor(public_ids)
        .select_related("service", "specialist", "branch", "contact")
        .get(public_id=public_id)
    )


def specialists_of(service: Service) -> QuerySet[Specialist]:
    return service.specialists.filter(active=True, branch_id=service.branch_id).order_by(
        "order", "name", "id"
    )


def events_for_clients(viewer: Viewer, *, now: datetime.datetime) -> QuerySet[Event]:
    """Published events still to come, with the number of taken seats (one query)."""
    if not viewer.is_client:
        return Event.objects.none()
    return (
        Event.objects.filter(published=True, ends_at__gt=now, branch__active=True)
        .select_related("branch")
        .annotate(taken=Count("seats", filter=Q(seats__status=Seat.Status.REGISTERED)))
    )


def event_for_viewer(viewer: Viewer, public_id: str, *, now: datetime.datetime) -> Event:
    if not viewer.is_client:
        raise Event.DoesNotExist
    return (
        Event.objects.filter(published=True, branch__active=True)
        .select_related("branch")
        .annotate(taken=Count("seats", filter=Q(seats__status=Seat.Status.REGISTERED)))
        .get(public_id=public_id)
    )


# --- what the slot engine reads ----------------------------------------------------------------------------


def rules_for(service: Service) -> Rules:
    branch = service.branch
    return Rules(
        zone=branch.zone,
        duration=datetime.timedelta(minutes=service.duration_minutes),
        buffer_before=datetime.timedelta(minutes=service.buffer_before_minutes),
        buffer_after=datetime.timedelta(minutes=service.buffer_after_minutes),
        step=datetime.timedelta(minutes=branch.slot_step_minutes),
        min_notice=datetime.timedelta(minutes=branch.min_notice_minutes),
        horizon_days=branch.horizon_days,
    )


def schedules_for(
    branch: Branch,
    specialists: Sequence[Specialist] | QuerySet[Specialist],
    *,
    start: datetime.date,
    end: datetime.date,
    exclude_booking: int | None = None,
) -> list[Schedule]:
    """The engine's input for every specialist over the local dates ``start``..``end``, in six queries
    whatever their number and the length of the range: the specialists, their plans, breaks and exceptions
    (a prefetch each), the blocked periods, the bookings.

    ``exclude_booking`` leaves one booking out (rescheduling it may reuse its own time).
    """
    zone = branch.zone
    # Moments that can touch the dates, with a day of margin for buffers and night shifts.
    since = wall(start - datetime.timedelta(days=1), datetime.time(0), zone)
    until = wall(end + datetime.timedelta(days=2), datetime.time(0), zone)
    people = list(specialists)
    prefetch_related_objects(
        people,
        "working_hours",
        "breaks",
        Prefetch("exceptions", queryset=DateException.objects.filter(date__gte=start, date__lte=end)),
    )
    ids = [person.pk for person in people]
    blocked = list(
        BlockedPeriod.objects.filter(branch=branch, starts_at__lt=until, ends_at__gt=since)
        .filter(Q(specialist__isnull=True) | Q(specialist_id__in=ids))
        .values_list("specialist_id", "starts_at", "ends_at")
    )
    bookings = Booking.objects.filter(
        specialist_id__in=ids, status__in=OCCUPYING_STATUSES, held_from__lt=until, held_until__gt=since
    )
    if exclude_booking is not None:
        bookings = bookings.exclude(pk=exclude_booking)
    busy: dict[int, list] = defaultdict(list)
    per_day: dict[int, dict[datetime.date, int]] = defaultdict(lambda: defaultdict(int))
    for specialist_id, held_from, held_until, starts_at in bookings.values_list(
        "specialist_id", "held_from", "held_until", "starts_at"
    ):
        busy[specialist_id].append((held_from, held_until))
        per_day[specialist_id][starts_at.astimezone(zone).date()] += 1
    schedules = []
    for person in people:
        weekly: dict[int, list] = defaultdict(list)
        for hours in person.working_hours.all():
            weekly[hours.weekday].append((hours.starts, hours.ends))
        breaks: dict[int, list] = defaultdict(list)
        for pause in person.breaks.all():
            breaks[pause.weekday].append((pause.starts, pause.ends))
        exceptions: dict[datetime.date, list] = {}
        days_off = set()
        for exception in person.exceptions.all():
            if exception.day_off:
                days_off.add(exception.date)
            else:
                exceptions.setdefault(exception.date, []).append((exception.starts, exception.ends))
        for day in days_off:
            exceptions[day] = []  # a day off wins over other hours on that date
        periods = list(busy[person.pk])
        periods.extend((s, e) for who, s, e in blocked if who is None or who == person.pk)
        schedules.append(
            Schedule(
                key=person.pk,
                weekly=weekly,
                breaks=breaks,
                exceptions=exceptions,
                busy=periods,
                booked_per_day=dict(per_day[person.pk]),
                daily_cap=person.daily_cap,
            )
        )
    return schedules


def free_slots_for(
    service: Service,
    *,
    specialists: Sequence[Specialist] | QuerySet[Specialist],
    start: datetime.date,
    end: datetime.date,
    now: datetime.datetime,
    exclude_booking: int | None = None,
) -> dict[datetime.datetime, list[int]]:
    """Free starts (UTC) of ``service`` with any of ``specialists`` → the ids of those free then."""
    schedules = schedules_for(
        service.branch, specialists, start=start, end=end, exclude_booking=exclude_booking
    )
    return any_specialist(schedules, rules_for(service), start=start, end=end, now=now)  # type: ignore[return-value]


def is_offered(
    service: Service,
    *,
    starts_at: datetime.datetime,
    specialist: Specialist | None,
    now: datetime.datetime,
) -> bool:
    """Whether ``starts_at`` is a free start of ``service`` now (with ``specialist``, or anyone): the public
    page asks before it sends a code, so nobody is texted for a time that is gone."""
    people = [specialist] if specialist is not None else list(specialists_of(service))
    day = starts_at.astimezone(service.branch.zone).date()
    return starts_at in free_slots_for(service, specialists=people, start=day, end=day, now=now)


def contact_with_verified_phone(phone: str) -> Any:
    """The one contact carrying ``phone`` (E.164) as a verified number, or ``None`` (no such contact, or
    several: then nobody's record is guessed)."""
    from kabinet.crm.models import Contact

    found = list(
        Contact.objects.filter(phones__phone=phone, phones__verified_at__isnull=False).distinct()[:2]
    )
    return found[0] if len(found) == 1 else None


def upcoming_count(contact_id: int, *, now: datetime.datetime) -> int:
    return Booking.objects.filter(
        contact_id=contact_id, status__in=OCCUPYING_STATUSES, starts_at__gt=now
    ).count()


def held_for_payment(*, invoice_id: int) -> Booking | None:
    """The booking waiting for the prepayment ``invoice_id`` pays, locked (the payment's own transaction)."""
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("branch", "service", "specialist", "contact", "company")
        .filter(invoice_id=invoice_id, status=Booking.Status.AWAITING_PAYMENT)
        .first()
    )


def bookings_for_staff(user: Any) -> QuerySet[Booking]:
    """Every booking, for staff who may work on them; nothing for anyone else."""
    if not (getattr(user, "is_staff", False) and user.has_perm("bookings.change_booking")):
        return Booking.objects.none()
    return Booking.objects.all()


def bookings_in_feed(token: str, *, now: datetime.datetime) -> list[Booking] | None:
    """The bookings of the calendar feed whose secret is ``token``: the person's own (never a colleague's,
    whatever his role), from 30 days back, at most 500; ``None`` for an unknown token."""
    from kabinet.bookings.actions import feed_token_hash

    feed = CalendarFeed.objects.filter(token_hash=feed_token_hash(token)).only("contact_id").first()
    if feed is None:
        return None
    return list(
        Booking.objects.filter(contact_id=feed.contact_id, starts_at__gte=now - datetime.timedelta(days=30))
        .select_related("service", "specialist", "branch")
        .order_by("starts_at", "id")[:500]
    )
