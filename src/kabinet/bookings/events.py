"""Bookings' timeline sentences and notices (data only, registered by ``BookingsConfig.ready()``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kabinet.core.notify import EventKind

TIMELINE = {
    "booking.created": _("Booked: %(service)s with %(specialist)s on %(when)s"),
    "booking.rescheduled": _("Booking %(service)s moved from %(previous)s to %(when)s"),
    "booking.cancelled": _("Booking %(service)s on %(when)s was cancelled"),
    "booking.confirmed": _("Prepayment received: %(service)s with %(specialist)s on %(when)s is confirmed"),
    "booking.expired": _(
        "Booking %(service)s on %(when)s was cancelled: the prepayment did not arrive in time"
    ),
    "booking.attended": _("Visit %(service)s on %(when)s took place"),
    "booking.no_show": _("Missed visit: %(service)s on %(when)s"),
    "event.registered": _("Registered for “%(title)s” on %(when)s"),
    "event.waitlisted": _("On the waitlist for “%(title)s” on %(when)s"),
    "event.promoted": _("A seat freed up: you are registered for “%(title)s” on %(when)s"),
    "event.cancelled_seat": _("Registration for “%(title)s” on %(when)s was cancelled"),
}

NOTICES = (
    EventKind(
        code="booking.reminder",
        label=_("Booking reminders"),
        sentence=_("Reminder: %(service)s with %(specialist)s on %(when)s"),
        defaults=frozenset({"email", "sms"}),
        order=60,
    ),
    EventKind(
        code="booking.created",
        label=_("Booking made for you"),
        sentence=_("You are booked: %(service)s with %(specialist)s on %(when)s"),
        defaults=frozenset({"email"}),
        order=61,
    ),
    EventKind(
        code="booking.rescheduled",
        label=_("Booking moved"),
        sentence=_("Your booking %(service)s was moved to %(when)s"),
        defaults=frozenset({"email"}),
        order=62,
    ),
    EventKind(
        code="booking.cancelled",
        label=_("Booking cancelled"),
        sentence=_("Your booking %(service)s on %(when)s was cancelled"),
        defaults=frozenset({"email"}),
        order=63,
    ),
    EventKind(
        code="booking.confirmed",
        label=_("Prepaid booking confirmed"),
        sentence=_("Payment received, you are booked: %(service)s with %(specialist)s on %(when)s"),
        defaults=frozenset({"email"}),
        order=65,
    ),
    EventKind(
        code="booking.expired",
        label=_("Unpaid booking released"),
        sentence=_(
            "The prepayment did not arrive in time: the booking %(service)s on %(when)s was cancelled"
        ),
        defaults=frozenset({"email"}),
        order=66,
    ),
    EventKind(
        code="event.promoted",
        label=_("A seat freed up for you"),
        sentence=_("A seat freed up: you are registered for “%(title)s” on %(when)s"),
        defaults=frozenset({"email"}),
        order=64,
    ),
)

# Timeline event → outgoing webhook event (registered by the webhooks app, which imports the domains).
WEBHOOKS = {
    "booking.created": "booking.created",
    "booking.rescheduled": "booking.rescheduled",
    "booking.cancelled": "booking.cancelled",
    "booking.expired": "booking.cancelled",
    "booking.confirmed": "booking.confirmed",
    "booking.attended": "booking.attended",
    "booking.no_show": "booking.no_show",
}
