"""Bookings: branches, services, specialists with their working plans, blocked periods, bookings, and group
events with seats (issue 16; docs/bookings.md).

Times a staff member types for a plan (09:00–18:00, a break 13:00–14:00) are wall-clock times in the branch's
time zone; moments (a booking, a blocked period, an event) are stored as aware datetimes (UTC in the database).
"""

from __future__ import annotations

import zoneinfo
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kabinet.core.public_ids import PublicModel
from kabinet.crm.models import Company, Contact


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(zone)s"), params={"zone": value}, code="time_zone")


class ExternalRecord(models.Model):
    """Where an object came from: a connector (YCLIENTS…) keeps its own id here to sync idempotently."""

    source = models.CharField(_("source"), max_length=32, blank=True, default="")
    external_id = models.CharField(_("external id"), max_length=64, blank=True, default="")

    class Meta:
        abstract = True


class Branch(PublicModel, ExternalRecord):
    """A place where services are provided, with its time zone and booking rules."""

    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Moscow", validators=[validate_time_zone]
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    active = models.BooleanField(_("active"), default=True)
    # Booking rules (Cal.com: minimum notice, how far ahead; YCLIENTS: cancel deadline, per-client caps).
    min_notice_minutes = models.PositiveIntegerField(_("minimum notice, minutes"), default=60)
    horizon_days = models.PositiveIntegerField(_("book at most this many days ahead"), default=30)
    cancel_deadline_hours = models.PositiveIntegerField(
        _("cancel or reschedule at least this many hours before"), default=12
    )
    max_upcoming_per_client = models.PositiveIntegerField(
        _("upcoming bookings per client at most"), default=3, help_text=_("0: no limit.")
    )
    slot_step_minutes = models.PositiveIntegerField(_("slot step, minutes"), default=15)
    payment_hold_minutes = models.PositiveIntegerField(
        _("hold a prepaid slot while the client pays, minutes"),
        default=15,
        validators=[MinValueValidator(1)],
        help_text=_("A service with prepayment keeps the time this long; unpaid by then, the time frees."),
    )
    public_booking = models.BooleanField(
        _("public booking page"),
        default=False,
        help_text=_(
            "Visitors without an account book this branch's services at /book/ and confirm by an SMS code."
        ),
    )

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(slot_step_minutes__gte=5), name="bookings_branch_step_min"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Specialist(PublicModel, ExternalRecord):
    """A staff member who provides services in a branch (YCLIENTS calls them "staff")."""

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="specialists", verbose_name=_("branch")
    )
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("position"), max_length=200, blank=True)
    user = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="specialist_roles",
        verbose_name=_("staff account"),
    )
    daily_cap = models.PositiveIntegerField(
        _("bookings per day at most"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("specialist")
        verbose_name_plural = _("specialists")
        ordering = ["order", "name", "id"]

    def __str__(self) -> str:
        return self.name


class Service(PublicModel, ExternalRecord):
    """Something a client books: how long it takes, what it costs, who provides it."""

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="services", verbose_name=_("branch")
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration, minutes"), default=60)
    buffer_before_minutes = models.PositiveIntegerField(_("buffer before, minutes"), default=0)
    buffer_after_minutes = models.PositiveIntegerField(_("buffer after, minutes"), default=0)
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    specialists = models.ManyToManyField(
        Specialist, related_name="services", blank=True, verbose_name=_("specialists")
    )
    online_bookable = models.BooleanField(_("clients book it online"), default=True)
    prepayment_required = models.BooleanField(_("prepayment required"), default=False)
    public_booking = models.BooleanField(
        _("on the public booking page"),
        default=True,
        help_text=_("Shown to visitors when the branch's public booking page is on."),
    )
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["order", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5), name="bookings_service_duration_min"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class TimeRange(models.Model):
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"))

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"

    def clean(self) -> None:
        if self.starts is not None and self.ends is not None and self.ends <= self.starts:
            raise ValidationError({"ends": _("The end must come after the start.")})


class WorkingHours(TimeRange):
    """One stretch of a specialist's weekly working plan (several per day are allowed)."""

    specialist = models.ForeignKey(
        Specialist, on_delete=models.CASCADE, related_name="working_hours", verbose_name=_("specialist")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working plan")
        ordering = ["weekday", "starts"]


class Break(TimeRange):
    """A weekly break in the plan (lunch): no slot overlaps it."""

    specialist = models.ForeignKey(
        Specialist, on_delete=models.CASCADE, related_name="breaks", verbose_name=_("specialist")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)

    class Meta:
        verbose_name = _("break")
        verbose_name_plural = _("breaks")
        ordering = ["weekday", "starts"]


class DateException(models.Model):
    """One date that replaces the weekly plan: a day off (vacation, sick day) or different hours (an extra
    working day). Several rows on one date give several stretches; a day-off row wins over them."""

    specialist = models.ForeignKey(
        Specialist, on_delete=models.CASCADE, related_name="exceptions", verbose_name=_("specialist")
    )
    date = models.DateField(_("date"))
    day_off = models.BooleanField(_("day off"), default=False)
    starts = models.TimeField(_("from"), null=True, blank=True)
    ends = models.TimeField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("date exception")
        verbose_name_plural = _("date exceptions")
        ordering = ["date", "starts"]
        indexes = [models.Index(fields=["specialist", "date"], name="bookings_exception_date")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d}" + (
            f" {self.starts:%H:%M}–{self.ends:%H:%M}" if self.starts and self.ends else ""
        )

    def clean(self) -> None:
        if self.day_off:
            return
        if self.starts is None or self.ends is None:
            raise ValidationError(_("Give the hours, or mark the date as a day off."))
        if self.ends <= self.starts:
            raise ValidationError({"ends": _("The end must come after the start.")})


class BlockedPeriod(models.Model):
    """A period when nothing can be booked: for one specialist (unavailability) or the whole branch."""

    branch = models.ForeignKey(
        Branch, on_delete=models.CASCADE, related_name="blocked_periods", verbose_name=_("branch")
    )
    specialist = models.ForeignKey(
        Specialist,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="blocked_periods",
        verbose_name=_("specialist"),
        help_text=_("Empty: the whole branch."),
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("blocked period")
        verbose_name_plural = _("blocked periods")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["branch", "ends_at"], name="bookings_blocked_until")]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} – {self.ends_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must come after the start.")})


class Booking(PublicModel, ExternalRecord):
    """A client's appointment with one specialist.

    ``starts_at``/``ends_at`` is the service itself; ``held_from``/``held_until`` adds the service's buffers and
    is what may never overlap another active booking of the same specialist (the database enforces it: an
    exclusion constraint on PostgreSQL, a guarded transaction on SQLite — see ``actions.book``).
    """

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        AWAITING_PAYMENT = "awaiting_payment", _("awaiting payment")
        CANCELLED = "cancelled", _("cancelled")
        ATTENDED = "attended", _("attended")
        NO_SHOW = "no_show", _("did not come")

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("branch")
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("service")
    )
    specialist = models.ForeignKey(
        Specialist, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("specialist")
    )
    company = models.ForeignKey(
        Company,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bookings",
        verbose_name=_("company"),
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("contact")
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    held_from = models.DateTimeField(_("held from"))
    held_until = models.DateTimeField(_("held until"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.CONFIRMED)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    client_time_zone = models.CharField(
        _("client's time zone"),
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_("The zone of the client's device when he booked; empty: the branch's."),
    )
    # Prepayment: the invoice for the price, and until when the time is held while it is unpaid.
    invoice = models.ForeignKey(
        "billing.Invoice",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bookings",
        verbose_name=_("prepayment invoice"),
    )
    payment_due_at = models.DateTimeField(_("held for payment until"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    reminded_24h_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_2h_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["company", "starts_at", "id"], name="bookings_company_starts"),
            models.Index(fields=["company", "contact", "starts_at", "id"], name="bookings_member_starts"),
            models.Index(fields=["contact", "starts_at", "id"], name="bookings_contact_starts"),
            # Free slots read a specialist's active bookings over a range; reminders walk by start.
            models.Index(fields=["specialist", "status", "held_from"], name="bookings_specialist_held"),
            models.Index(fields=["status", "starts_at"], name="bookings_status_starts"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="bookings_booking_order"
            ),
            models.CheckConstraint(
                condition=Q(held_from__lte=models.F("starts_at")) & Q(held_until__gte=models.F("ends_at")),
                name="bookings_booking_held",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} · {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.CONFIRMED


ACTIVE_STATUSES = (Booking.Status.CONFIRMED,)
# What keeps a specialist's time: a confirmed booking, and one held while the client pays its prepayment
# (the database's no-overlap guard uses the same pair: migration 0006).
OCCUPYING_STATUSES = (Booking.Status.CONFIRMED, Booking.Status.AWAITING_PAYMENT)


class Event(PublicModel, ExternalRecord):
    """A group event or class with a number of seats («расписание событий»)."""

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="events", verbose_name=_("branch")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    specialist = models.ForeignKey(
        Specialist,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        verbose_name=_("host"),
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveIntegerField(_("seats"), default=10)
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    published = models.BooleanField(_("published"), default=True)
    cancelled = models.BooleanField(_("cancelled"), default=False)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["published", "starts_at"], name="bookings_event_starts")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="bookings_event_order"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Seat(PublicModel):
    """One person's place at an event, or his place in its waitlist. It has its own public id: cancelling a
    seat acts on that seat only, found through the viewer's own seats (never by the event's id)."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("registered")
        WAITLISTED = "waitlisted", _("on the waitlist")
        CANCELLED = "cancelled", _("cancelled")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="seats", verbose_name=_("event"))
    company = models.ForeignKey(
        Company,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="seats",
        verbose_name=_("company"),
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="seats", verbose_name=_("contact")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REGISTERED)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        verbose_name = _("seat")
        verbose_name_plural = _("seats")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["event", "status", "created_at", "id"], name="bookings_seat_queue"),
            models.Index(fields=["contact", "created_at", "id"], name="bookings_seat_contact"),
        ]
        constraints = [
            # One live place (seat or waitlist) per person and event.
            models.UniqueConstraint(
                fields=["event", "contact"],
                condition=~Q(status="cancelled"),
                name="bookings_seat_one_per_contact",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} · {self.contact}"


class CalendarFeed(models.Model):
    """A client's personal calendar feed (``/bookings/feed/<token>.ics``): the secret token is the only key, so
    only its SHA-256 is stored; making a new one replaces (revokes) the old URL."""

    contact = models.OneToOneField(
        Contact, on_delete=models.CASCADE, related_name="calendar_feed", verbose_name=_("contact")
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.contact)
