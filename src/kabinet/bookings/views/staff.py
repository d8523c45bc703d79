"""The staff's day view and week calendar of bookings per branch and specialist, with "attended", "no-show" and "cancel"
(the client is told of a cancellation). Staff holding ``bookings.change_booking`` get in; clients are told
nothing exists (404), other staff are refused (403)."""

from __future__ import annotations

import datetime
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kabinet.bookings import actions
from kabinet.bookings.models import Booking, Branch, Specialist
from kabinet.bookings.selectors import bookings_for_staff
from kabinet.bookings.slots import wall

PERMISSION = "bookings.change_booking"


def staff_required(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user.is_staff:
            raise Http404
        if not user.has_perm(PERMISSION):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@staff_required
@require_GET
def day(request: HttpRequest) -> HttpResponse:
    """One branch's bookings of one day (``?branch=&date=&specialist=``), ordered by time."""
    branches = list(Branch.objects.filter(active=True).order_by("name", "id"))
    branch = next(
        (b for b in branches if b.public_id == request.GET.get("branch")), branches[0] if branches else None
    )
    if branch is None:
        return render(request, "bookings/staff/day.html", {"branches": [], "rows": []})
    zone = branch.zone
    try:
        date = datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        date = timezone.now().astimezone(zone).date()
    since = wall(date, datetime.time(0), zone)
    until = wall(date + datetime.timedelta(days=1), datetime.time(0), zone)
    rows = list(
        bookings_for_staff(request.user)
        .filter(branch=branch, starts_at__gte=since, starts_at__lt=until)
        .select_related("service", "specialist", "contact")
        .order_by("starts_at", "specialist__order", "id")[:200]
    )
    return render(
        request,
        "bookings/staff/day.html",
        {
            "branches": branches,
            "branch": branch,
            "date": date,
            "previous": date - datetime.timedelta(days=1),
            "next": date + datetime.timedelta(days=1),
            "rows": rows,
        },
    )


WEEK_HOURS = (8, 20)  # the grid's rows at least; bookings earlier or later widen it


@staff_required
@require_GET
def week(request: HttpRequest) -> HttpResponse:
    """A branch's (or one specialist's) bookings of one week, Monday to Sunday (``?branch=&specialist=&week=``,
    any date of the week): a grid of 7 days × hours where the screen is wide, a list of days on a phone. Three
    queries whatever the number of bookings (branches, the branch's specialists, the week's bookings)."""
    branches = list(Branch.objects.filter(active=True).order_by("name", "id"))
    branch = next(
        (b for b in branches if b.public_id == request.GET.get("branch")), branches[0] if branches else None
    )
    if branch is None:
        return render(request, "bookings/staff/week.html", {"branches": [], "days": []})
    zone = branch.zone
    try:
        some_day = datetime.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        some_day = timezone.now().astimezone(zone).date()
    monday = some_day - datetime.timedelta(days=some_day.weekday())
    dates = [monday + datetime.timedelta(days=n) for n in range(7)]
    people = list(Specialist.objects.filter(branch=branch, active=True).order_by("order", "name", "id"))
    specialist = next((p for p in people if p.public_id == request.GET.get("specialist")), None)
    rows = (
        bookings_for_staff(request.user)
        .filter(
            branch=branch,
            starts_at__gte=wall(monday, datetime.time(0), zone),
            starts_at__lt=wall(monday + datetime.timedelta(days=7), datetime.time(0), zone),
        )
        .exclude(status=Booking.Status.CANCELLED)
        .select_related("service", "specialist", "contact")
        .order_by("starts_at", "specialist__order", "id")
    )
    if specialist is not None:
        rows = rows.filter(specialist=specialist)
    by_day: dict[datetime.date, list[Booking]] = {d: [] for d in dates}
    cells: dict[tuple[datetime.date, int], list[Booking]] = {}
    first, last = WEEK_HOURS
    for booking in rows[:1000]:
        local = booking.starts_at.astimezone(zone)
        by_day[local.date()].append(booking)
        cells.setdefault((local.date(), local.hour), []).append(booking)
        first, last = min(first, local.hour), max(last, local.hour + 1)
    grid = [
        {"hour": datetime.time(hour), "cells": [cells.get((d, hour), []) for d in dates]}
        for hour in range(first, last)
    ]
    return render(
        request,
        "bookings/staff/week.html",
        {
            "branches": branches,
            "branch": branch,
            "people": people,
            "specialist": specialist,
            "days": [{"date": d, "bookings": by_day[d]} for d in dates],
            "grid": grid,
            "monday": monday,
            "previous": monday - datetime.timedelta(days=7),
            "next": monday + datetime.timedelta(days=7),
            "today": timezone.now().astimezone(zone).date(),
        },
    )


@staff_required
@require_POST
def act(request: HttpRequest, public_id: str, action: str) -> HttpResponse:
    try:
        booking = bookings_for_staff(request.user).select_related("branch").get(public_id=public_id)
    except Booking.DoesNotExist as exc:
        raise Http404 from exc
    try:
        if action == "attended":
            actions.mark_attendance(actor=request.user, booking=booking, attended=True)
        elif action == "no_show":
            actions.mark_attendance(actor=request.user, booking=booking, attended=False)
        elif action == "cancel":
            actions.cancel_booking(actor=request.user, booking=booking)
        else:
            raise Http404
    except actions.BookingRefused as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Saved."))
    local = booking.starts_at.astimezone(booking.branch.zone).date()
    return HttpResponseRedirect(
        reverse("bookings:staff_day") + f"?branch={booking.branch.public_id}&date={local.isoformat()}"
    )
