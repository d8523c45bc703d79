"""The staff's day view of bookings per branch and specialist, with "attended", "no-show" and "cancel"
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
from kabinet.bookings.models import Booking, Branch
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
