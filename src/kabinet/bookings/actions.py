"""Writes on bookings and seats. Keyword-only, explicit actor, atomic; each records the client's timeline
(which also feeds the webhook outbox), an audit entry, and tells the client through ``core.notify``.

No double booking: ``book`` and ``reschedule_booking`` lock the specialist's row, re-check the slot with the
engine inside the transaction and only then write. On SQLite the transaction is ``IMMEDIATE`` (settings), so
two writers never interleave; on PostgreSQL the row lock serialises them and an exclusion constraint on the
specialist's held time range refuses an overlap whatever code wrote it (migration 0002).
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
import zoneinfo
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from kabinet.billing import actions as billing_actions
from kabinet.billing.models import Invoice
from kabinet.bookings.models import (
    ACTIVE_STATUSES,
    Booking,
    Branch,
    CalendarFeed,
    Event,
    Seat,
    Service,
    Specialist,
)
from kabinet.bookings.selectors import (
    contact_with_verified_phone,
    free_slots_for,
    held_for_payment,
    specialists_of,
    upcoming_count,
)
from kabinet.bookings.slots import nearest
from kabinet.bookings.zones import differs, zone_label, zone_name
from kabinet.core.audit import record_audit
from kabinet.core.i18n import in_every_language, translations
from kabinet.core.registry import object_url
from kabinet.crm import actions as crm_actions
from kabinet.crm.models import Company, Contact
from kabinet.crm.notices import notify_owners
from kabinet.crm.timeline import record_timeline


class BookingRefused(Exception):
    """A rule said no; ``message`` is translated and meant for the client."""

    def __init__(self, message: Any, *, code: str) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code


class SlotTaken(BookingRefused):
    """The chosen time is no longer free; ``alternatives`` are the nearest free starts (UTC)."""

    def __init__(self, alternatives: list[datetime.datetime]) -> None:
        super().__init__(_("Sorry, this time has just been taken."), code="slot_taken")
        self.alternatives = alternatives


def _when(booking: Booking | Event) -> dict[str, str]:
    """The start as every language writes it, in the branch's time zone and named (kept in the history, and
    what emails and texts say); followed by the client's own time when his zone's clock differs."""
    branch = booking.branch
    local = booking.starts_at.astimezone(branch.zone)
    own = getattr(booking, "client_time_zone", "")
    theirs = (
        booking.starts_at.astimezone(zoneinfo.ZoneInfo(own))
        if differs(own, branch.time_zone, booking.starts_at)
        else None
    )

    def written() -> str:
        text = f"{formats.date_format(local, 'DATETIME_FORMAT')} ({zone_label(branch.time_zone)})"
        if theirs is not None:
            text += f" = {formats.date_format(theirs, 'DATETIME_FORMAT')} ({zone_label(own)})"
        return text

    return in_every_language(written)


def _booking_params(booking: Booking) -> dict[str, Any]:
    return {
        "service": translations(booking.service, "name"),
        "specialist": translations(booking.specialist, "name"),
        "when": _when(booking),
        "starts_at": booking.starts_at.isoformat(),
    }



def _tell_owners(*, event: str, actor: Any, booking: Booking, params: dict[str, Any] | None = None) -> None:
    """The booking's owners hear of it (their notice links to the booking's page)."""
    notify_owners(
        actor=actor,
        event=event,
        company_id=booking.company_id,
        contact_id=booking.contact_id,
        url=reverse("bookings:detail", args=[booking.public_id]),
        subject_public_id=booking.public_id,
        params=_booking_params(booking) if params is None else params,
    )

def _record(*, event: str, actor: Any, booking: Booking, tell: bool) -> None:
    params = _booking_params(booking)
    record_timeline(
        event=event,
        kind="booking",
        subject=booking,
        company=booking.company,
        contact=booking.contact,
        actor=actor,
        **params,
    )
    if tell:
        _tell_owners(event=event, actor=actor, booking=booking, params=params)


def _is_staff(actor: Any) -> bool:
    return bool(getattr(actor, "is_staff", False))


def _lock(specialist_ids: list[int]) -> None:
    """Serialise writers on these specialists' calendars (a no-op statement on SQLite, whose IMMEDIATE
    transaction is already the only writer)."""
    list(Specialist.objects.select_for_update().filter(pk__in=sorted(specialist_ids)).values_list("pk"))


def _free_now(
    *,
    service: Service,
    candidates: list[Specialist],
    starts_at: datetime.datetime,
    now: datetime.datetime,
    exclude_booking: int | None = None,
    staff: bool = False,
) -> tuple[Specialist | None, list[datetime.datetime]]:
    """Inside the lock: the first candidate free at ``starts_at``, and the free starts around that date."""
    zone = service.branch.zone
    day = starts_at.astimezone(zone).date()
    # Staff may book on behalf of a client without the client's minimum notice (a walk-in, a phone call).
    slot_now = now - datetime.timedelta(minutes=service.branch.min_notice_minutes) if staff else now
    slots = free_slots_for(
        service,
        specialists=candidates,
        start=day - datetime.timedelta(days=3),
        end=day + datetime.timedelta(days=3),
        now=slot_now,
        exclude_booking=exclude_booking,
    )
    free_ids = slots.get(starts_at, [])
    chosen = next((person for person in candidates if person.pk in free_ids), None)
    return chosen, list(slots)


@transaction.atomic
def book(
    *,
    actor: Any,
    contact: Contact,
    company: Company | None,
    service: Service,
    starts_at: datetime.datetime,
    specialist: Specialist | None = None,
    now: datetime.datetime | None = None,
    comment: str = "",
    client_time_zone: str = "",
) -> Booking:
    """Book ``service`` at ``starts_at`` with ``specialist`` (None: the first one free then).
    ``client_time_zone``: the zone of the client's device (an IANA name; anything else is ignored).

    Raises ``SlotTaken`` (with the nearest free starts) when the time is not, or no longer, free, and
    ``BookingRefused`` when a rule says no (the service is not bookable, the client's cap is reached).
    """
    now = now or timezone.now()
    staff = _is_staff(actor)
    if not staff and not (service.online_bookable and service.active):
        raise BookingRefused(_("This service cannot be booked online."), code="not_bookable")
    limit = service.branch.max_upcoming_per_client
    if not staff and limit and upcoming_count(contact.pk, now=now) >= limit:
        raise BookingRefused(
            _("You already have %(count)s upcoming bookings, the most we take at once.") % {"count": limit},
            code="cap",
        )
    candidates = [specialist] if specialist is not None else list(specialists_of(service))
    if specialist is not None and not specialist.services.filter(pk=service.pk).exists():
        raise BookingRefused(_("This specialist does not provide this service."), code="specialist")
    _lock([person.pk for person in candidates])
    chosen, free = _free_now(
        service=service, candidates=candidates, starts_at=starts_at, now=now, staff=staff
    )
    if chosen is None:
        raise SlotTaken(nearest(free, starts_at))
    # A client books a prepaid service into a hold: the time is his (and nobody else's) while he pays.
    prepaid = not staff and service.prepayment_required and service.price > 0
    booking = Booking(
        branch=service.branch,
        service=service,
        specialist=chosen,
        company=company,
        contact=contact,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=service.duration_minutes),
        held_from=starts_at - datetime.timedelta(minutes=service.buffer_before_minutes),
        held_until=starts_at
        + datetime.timedelta(minutes=service.duration_minutes + service.buffer_after_minutes),
        price=service.price,
        currency=service.currency,
        comment=comment,
        client_time_zone=zone_name(client_time_zone),
        status=Booking.Status.AWAITING_PAYMENT if prepaid else Booking.Status.CONFIRMED,
        payment_due_at=now + datetime.timedelta(minutes=service.branch.payment_hold_minutes)
        if prepaid
        else None,
    )
    try:
        with (
            transaction.atomic()
        ):  # a savepoint: the exclusion constraint's refusal leaves the outer one usable
            booking.save()
    except IntegrityError as exc:
        raise SlotTaken(nearest([s for s in free if s != starts_at], starts_at)) from exc
    if prepaid:
        booking.invoice = _prepayment_invoice(actor=actor, booking=booking)
        booking.save(update_fields=["invoice", "updated_at"])
    _record(event="booking.created", actor=actor, booking=booking, tell=staff)
    record_audit(event="booking.created", actor=actor, target=booking, service=service.pk)
    return booking


@transaction.atomic
def book_as_visitor(
    *,
    phone: str,
    name: str,
    service: Service,
    starts_at: datetime.datetime,
    specialist: Specialist | None = None,
    comment: str = "",
    now: datetime.datetime | None = None,
    client_time_zone: str = "",
) -> Booking:
    """A visitor of the public booking page, who has just proved with an SMS code that ``phone`` (E.164) is
    his, books ``service``. The booking goes to the one contact with that verified phone, or to a new contact
    (named ``name``, the phone marked verified) — as a private person, outside any company.

    The same rules as ``book`` (online-bookable, the per-client cap, the free-slot check under the lock); on a
    refusal nothing is written, not even the new contact.
    """
    contact = contact_with_verified_phone(phone)
    if contact is None:
        parts = name.split()
        contact = crm_actions.create_contact(
            actor=None, first_name=parts[0][:100], last_name=" ".join(parts[1:])[:100], phones=[phone]
        )
        crm_actions.mark_contact_address_verified(actor=None, contact=contact, phone=phone)
    booking = book(
        actor=None,
        contact=contact,
        company=None,
        service=service,
        starts_at=starts_at,
        specialist=specialist,
        now=now,
        comment=comment,
        client_time_zone=client_time_zone,
    )
    record_audit(event="booking.public", actor=None, target=booking, contact=contact.public_id)
    return booking


def _prepayment_invoice(*, actor: Any, booking: Booking) -> Invoice:
    """The invoice for a held booking's price, in full (no partial payments: the part would hold nothing)."""
    invoice = billing_actions.issue_invoice(
        actor=actor,
        company=booking.company,
        contact=booking.contact,
        amount=booking.price,
        currency=booking.currency,
        due_date=booking.payment_due_at.astimezone(booking.branch.zone).date(),
    )
    return billing_actions.update_invoice(
        actor=actor, invoice=invoice, partial_payment=Invoice.PartialPayment.FORBID
    )


def pay_url(booking: Booking) -> str:
    """Where the client pays a held booking: the payments app's pay page, else the invoice page."""
    if booking.invoice is None:
        return ""
    return object_url("billing.invoice.pay", booking.invoice.public_id) or reverse(
        "billing:invoice", args=[booking.invoice.public_id]
    )


@transaction.atomic
def confirm_paid_booking(*, actor: Any, invoice: Invoice) -> Booking | None:
    """The prepayment ``invoice`` is paid: its held booking becomes confirmed and the client is told. Runs in
    the payment's transaction (``BookingsConfig`` listens for the invoice's status change). A hold already
    released (paid too late) stays cancelled: the payment is then refunded by staff."""
    if invoice.status != Invoice.Status.PAID:
        return None
    booking = held_for_payment(invoice_id=invoice.pk)
    if booking is None:
        return None
    booking.status = Booking.Status.CONFIRMED
    booking.payment_due_at = None
    booking.save(update_fields=["status", "payment_due_at", "updated_at"])
    _record(event="booking.confirmed", actor=actor, booking=booking, tell=False)
    # actor None: the payer is told too, the booking is now his for sure
    _tell_owners(event="booking.confirmed", actor=None, booking=booking)
    record_audit(event="booking.confirmed", actor=actor, target=booking, invoice=invoice.number)
    return booking


def release_expired_holds(*, now: datetime.datetime) -> int:
    """Cancel the bookings whose prepayment did not arrive in time and void their invoices: the time frees.
    Each in its own transaction under a row lock (re-checked there); the periodic job calls it every minute."""
    due = Booking.objects.filter(status=Booking.Status.AWAITING_PAYMENT, payment_due_at__lte=now).values_list(
        "pk", flat=True
    )[:500]
    return sum(_release(pk=pk, now=now) for pk in list(due))


@transaction.atomic
def _release(*, pk: int, now: datetime.datetime) -> int:
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("branch", "service", "specialist", "contact", "company", "invoice")
        .filter(pk=pk, status=Booking.Status.AWAITING_PAYMENT, payment_due_at__lte=now)
        .first()
    )
    if booking is None:
        return 0
    invoice = booking.invoice
    if invoice is not None and invoice.status == Invoice.Status.PAID:
        confirm_paid_booking(actor=None, invoice=invoice)  # paid, but the news had not reached us
        return 0
    _cancel_hold(actor=None, booking=booking, now=now, reason="payment_timeout")
    _tell_owners(event="booking.expired", actor=None, booking=booking)
    return 1


def _cancel_hold(*, actor: Any, booking: Booking, now: datetime.datetime, reason: str) -> None:
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_at = now
    booking.cancel_reason = reason
    booking.payment_due_at = None
    booking.save(update_fields=["status", "cancelled_at", "cancel_reason", "payment_due_at", "updated_at"])
    invoice = booking.invoice
    if invoice is not None and invoice.paid_amount == 0 and invoice.status != Invoice.Status.CANCELLED:
        billing_actions.void_invoice(actor=actor, invoice=invoice)
    event = "booking.expired" if reason == "payment_timeout" else "booking.cancelled"
    _record(event=event, actor=actor, booking=booking, tell=False)
    record_audit(event=event, actor=actor, target=booking, reason=reason)


def _check_deadline(*, actor: Any, booking: Booking, now: datetime.datetime, what: str) -> None:
    if booking.status != Booking.Status.CONFIRMED:
        # A cancelled booking stays cancelled: its id never comes back to life (Cal.com #29407).
        raise BookingRefused(_("This booking is no longer active."), code="inactive")
    if _is_staff(actor):
        return
    if booking.starts_at <= now:
        raise BookingRefused(_("This booking has already started."), code="past")
    deadline = booking.starts_at - datetime.timedelta(hours=booking.branch.cancel_deadline_hours)
    if now > deadline:
        message = (
            _("It is too late to cancel online: please call us.")
            if what == "cancel"
            else _("It is too late to change the time online: please call us.")
        )
        raise BookingRefused(message, code="deadline")


def can_change(booking: Booking, *, now: datetime.datetime) -> bool:
    """Whether the client may still cancel or reschedule it himself (the page shows the buttons)."""
    deadline = booking.starts_at - datetime.timedelta(hours=booking.branch.cancel_deadline_hours)
    return booking.status == Booking.Status.CONFIRMED and now <= deadline


def _locked(booking: Booking) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("branch", "service", "specialist", "contact", "company")
        .get(pk=booking.pk)
    )


@transaction.atomic
def cancel_booking(*, actor: Any, booking: Booking, now: datetime.datetime | None = None) -> Booking:
    """Cancel one booking (the client within the deadline, staff at any time; staff's cancel tells the client)."""
    now = now or timezone.now()
    booking = _locked(booking)
    if booking.status == Booking.Status.AWAITING_PAYMENT:
        # Not paid yet: giving the time back is always allowed (and voids the invoice).
        _cancel_hold(actor=actor, booking=booking, now=now, reason="cancelled_unpaid")
        return booking
    _check_deadline(actor=actor, booking=booking, now=now, what="cancel")
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_at = now
    booking.save(update_fields=["status", "cancelled_at", "updated_at"])
    _record(event="booking.cancelled", actor=actor, booking=booking, tell=_is_staff(actor))
    record_audit(event="booking.cancelled", actor=actor, target=booking)
    return booking


@transaction.atomic
def reschedule_booking(
    *,
    actor: Any,
    booking: Booking,
    starts_at: datetime.datetime,
    specialist: Specialist | None = None,
    now: datetime.datetime | None = None,
) -> Booking:
    """Move an active booking to another free start (the same booking and id; a cancelled one refuses)."""
    now = now or timezone.now()
    booking = _locked(booking)
    _check_deadline(actor=actor, booking=booking, now=now, what="reschedule")
    service = booking.service
    candidates = [specialist] if specialist is not None else [booking.specialist]
    _lock([person.pk for person in candidates])
    chosen, free = _free_now(
        service=service,
        candidates=candidates,
        starts_at=starts_at,
        now=now,
        exclude_booking=booking.pk,
        staff=_is_staff(actor),
    )
    if chosen is None:
        raise SlotTaken(nearest(free, starts_at))
    previous = _when(booking)
    booking.specialist = chosen
    booking.starts_at = starts_at
    booking.ends_at = starts_at + datetime.timedelta(minutes=service.duration_minutes)
    booking.held_from = starts_at - datetime.timedelta(minutes=service.buffer_before_minutes)
    booking.held_until = booking.ends_at + datetime.timedelta(minutes=service.buffer_after_minutes)
    booking.reminded_24h_at = booking.reminded_2h_at = None
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError as exc:
        raise SlotTaken(nearest([s for s in free if s != starts_at], starts_at)) from exc
    params = _booking_params(booking)
    record_timeline(
        event="booking.rescheduled",
        kind="booking",
        subject=booking,
        company=booking.company,
        contact=booking.contact,
        actor=actor,
        previous=previous,
        **params,
    )
    if _is_staff(actor):
        _tell_owners(event="booking.rescheduled", actor=actor, booking=booking, params=params)
    record_audit(event="booking.rescheduled", actor=actor, target=booking)
    return booking


@transaction.atomic
def mark_attendance(*, actor: Any, booking: Booking, attended: bool) -> Booking:
    """Staff mark a past booking attended or a no-show."""
    booking = _locked(booking)
    if booking.status in (Booking.Status.CANCELLED, Booking.Status.AWAITING_PAYMENT):
        raise BookingRefused(_("This booking is no longer active."), code="inactive")
    booking.status = Booking.Status.ATTENDED if attended else Booking.Status.NO_SHOW
    booking.save(update_fields=["status", "updated_at"])
    _record(
        event="booking.attended" if attended else "booking.no_show", actor=actor, booking=booking, tell=False
    )
    record_audit(event="booking.attendance", actor=actor, target=booking, attended=attended)
    return booking


# --- reminders ---------------------------------------------------------------------------------------------

REMINDERS = (
    ("reminded_24h_at", datetime.timedelta(hours=24), datetime.timedelta(hours=2)),
    ("reminded_2h_at", datetime.timedelta(hours=2), datetime.timedelta(0)),
)


# No reminder by SMS or email at night in the recipient's zone: one due then waits for the morning run.
QUIET_FROM = datetime.time(22, 0)
QUIET_UNTIL = datetime.time(7, 0)


def is_quiet(moment: datetime.datetime, zone: Any) -> bool:
    """Whether ``moment`` falls in the quiet hours (22:00–07:00) on the clock of ``zone``."""
    clock = moment.astimezone(zone).time()
    return clock >= QUIET_FROM or clock < QUIET_UNTIL


def recipient_zone(booking: Booking) -> Any:
    """The time zone the client lives by: his device's when he booked, else the branch's (where he will be)."""
    own = zone_name(booking.client_time_zone)
    return zoneinfo.ZoneInfo(own) if own else booking.branch.zone


def send_due_reminders(*, now: datetime.datetime) -> int:
    """Tell every client whose booking starts within 24 h (and again within 2 h); each reminder once.

    A booking made 5 hours ahead gets the 24-hour reminder at the next run and the 2-hour one later; one made
    1 hour ahead gets only the 2-hour one. Each booking is claimed under a row lock in its own transaction
    (the column is re-checked there), so two workers never remind twice. ``now`` comes from the job.

    **Quiet hours**: a reminder due at night in the recipient's zone is left for the first run after 07:00
    (it is still sent then if the booking is still ahead in its window: a 2-hour reminder for a 08:00 visit goes
    at 07:00; a 24-hour one due at 23:00 goes in the morning, unless the 2-hour one is due by then, which
    replaces it).
    """
    sent = 0
    for column, ahead, floor in REMINDERS:
        due = Booking.objects.filter(
            status__in=ACTIVE_STATUSES,
            starts_at__gt=now + floor,
            starts_at__lte=now + ahead,
            **{f"{column}__isnull": True},
        )
        if column == "reminded_24h_at":
            due = due.filter(reminded_2h_at__isnull=True)
        rows = (
            due.select_related("branch")
            .only("pk", "client_time_zone", "branch__time_zone")
            .order_by("starts_at")[:500]
        )
        for booking in rows:
            if is_quiet(now, recipient_zone(booking)):
                continue
            sent += _remind(pk=booking.pk, column=column, now=now)
    return sent


@transaction.atomic
def _remind(*, pk: int, column: str, now: datetime.datetime) -> int:
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("branch", "service", "specialist")
        .filter(pk=pk, status__in=ACTIVE_STATUSES, **{f"{column}__isnull": True})
        .first()
    )
    if booking is None:
        return 0
    setattr(booking, column, now)
    booking.save(update_fields=[column])
    _tell_owners(event="booking.reminder", actor=None, booking=booking)
    return 1


# --- group events ------------------------------------------------------------------------------------------


def _event_params(event: Event) -> dict[str, Any]:
    return {"title": translations(event, "title"), "when": _when(event)}


@transaction.atomic
def register_seat(
    *,
    actor: Any,
    event: Event,
    contact: Contact,
    company: Company | None,
    now: datetime.datetime | None = None,
) -> Seat:
    """Take a seat at ``event``, or a place in its waitlist when it is full; a second call returns the
    person's live place. The event's row is locked, so two people never take the last seat."""
    now = now or timezone.now()
    event = Event.objects.select_for_update().select_related("branch").get(pk=event.pk)
    if event.cancelled or not event.published or event.starts_at <= now:
        raise BookingRefused(_("Registration for this event is closed."), code="closed")
    existing = Seat.objects.filter(event=event, contact=contact).exclude(status=Seat.Status.CANCELLED).first()
    if existing is not None:
        return existing
    taken = Seat.objects.filter(event=event, status=Seat.Status.REGISTERED).count()
    status = Seat.Status.REGISTERED if taken < event.capacity else Seat.Status.WAITLISTED
    seat = Seat.objects.create(event=event, contact=contact, company=company, status=status)
    record_timeline(
        event="event.registered" if status == Seat.Status.REGISTERED else "event.waitlisted",
        kind="event",
        subject=seat,
        company=company,
        contact=contact,
        actor=actor,
        **_event_params(event),
    )
    record_audit(event="seat.created", actor=actor, target=seat, status=status)
    return seat


@transaction.atomic
def cancel_seat(*, actor: Any, seat: Seat, now: datetime.datetime | None = None) -> Seat:
    """Give up this one seat (or waitlist place). Nobody else's seat changes, except that the first person
    on the waitlist moves up into a freed seat and is told."""
    now = now or timezone.now()
    event = Event.objects.select_for_update().select_related("branch").get(pk=seat.event_id)
    seat = Seat.objects.select_for_update().get(pk=seat.pk)
    if seat.status == Seat.Status.CANCELLED:
        return seat
    was_registered = seat.status == Seat.Status.REGISTERED
    seat.status = Seat.Status.CANCELLED
    seat.cancelled_at = now
    seat.save(update_fields=["status", "cancelled_at", "updated_at"])
    params = _event_params(event)
    record_timeline(
        event="event.cancelled_seat",
        kind="event",
        subject=seat,
        company=seat.company,
        contact=seat.contact,
        actor=actor,
        **params,
    )
    record_audit(event="seat.cancelled", actor=actor, target=seat)
    if was_registered and event.starts_at > now:
        promoted = (
            Seat.objects.select_for_update()
            .filter(event=event, status=Seat.Status.WAITLISTED)
            .order_by("created_at", "id")
            .first()
        )
        if promoted is not None:
            promoted.status = Seat.Status.REGISTERED
            promoted.save(update_fields=["status", "updated_at"])
            record_timeline(
                event="event.promoted",
                kind="event",
                subject=promoted,
                company=promoted.company,
                contact=promoted.contact,
                actor=None,
                **params,
            )
            notify_owners(
                actor=None,
                event="event.promoted",
                company_id=promoted.company_id,
                contact_id=promoted.contact_id,
                url=reverse("bookings:event", args=[event.public_id]),
                subject_public_id=event.public_id,
                params=params,
            )
            record_audit(event="seat.promoted", actor=None, target=promoted)
    return seat


# --- back office -------------------------------------------------------------------------------------------


@transaction.atomic
def save_setup(*, actor: Any, obj: Any, changed_fields: list[str]) -> Any:
    """Save a branch, service, specialist or event edited in the back office (validated, audited)."""
    obj.full_clean()
    obj.save()
    record_audit(
        event=f"bookings.{obj._meta.model_name}.saved", actor=actor, target=obj, fields=sorted(changed_fields)
    )
    return obj


# --- the personal calendar feed ----------------------------------------------------------------------------


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def renew_calendar_feed(*, actor: Any, contact: Contact) -> str:
    """Make (or replace) the contact's feed token; returns it — shown once, only its hash is kept."""
    token = secrets.token_urlsafe(24)
    CalendarFeed.objects.update_or_create(contact=contact, defaults={"token_hash": feed_token_hash(token)})
    record_audit(event="bookings.feed_renewed", actor=actor, target=None, contact=contact.pk)
    return token


# --- a connected booking system (YCLIENTS) -----------------------------------------------------------------
# Its records are the truth for what it holds: no slot check, no client cap (the vendor already booked it).
# Entries the sync writes carry ``origin`` so that the sync does not send them back (no echo).

EXTERNAL_EVENTS = {
    Booking.Status.CANCELLED: "booking.cancelled",
    Booking.Status.ATTENDED: "booking.attended",
    Booking.Status.NO_SHOW: "booking.no_show",
}


def _record_external(*, event: str, booking: Booking, origin: str, tell: bool, **extra: Any) -> None:
    params = _booking_params(booking)
    record_timeline(
        event=event,
        kind="booking",
        subject=booking,
        company=booking.company,
        contact=booking.contact,
        actor=None,
        origin=origin,
        **params,
        **extra,
    )
    if tell:
        _tell_owners(event=event, actor=None, booking=booking, params=params)


@transaction.atomic
def save_external_setup(
    *, actor: Any, obj: Branch | Service | Specialist, source: str, external_id: str, values: dict[str, Any]
) -> tuple[Any, bool]:
    """Create or update a branch, service or specialist imported from ``source`` (idempotent by its id
    there); answers the row and whether anything changed. Validated and audited like staff's edits."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if obj.pk is not None and not changed:
        return obj, False
    for name, value in values.items():
        setattr(obj, name, value)
    obj.source, obj.external_id = source, external_id
    obj.full_clean()
    obj.save()
    record_audit(
        event=f"bookings.{obj._meta.model_name}.imported",
        actor=actor,
        target=obj,
        source=source,
        fields=sorted(changed),
    )
    return obj, True


@transaction.atomic
def set_service_specialists(*, actor: Any, service: Service, specialists: list[Specialist]) -> bool:
    """Who provides ``service`` (as the connected system says); answers whether it changed."""
    wanted = {person.pk for person in specialists}
    if set(service.specialists.values_list("pk", flat=True)) == wanted:
        return False
    service.specialists.set(specialists)
    record_audit(
        event="bookings.service.specialists", actor=actor, target=service, specialists=sorted(wanted)
    )
    return True


@transaction.atomic
def record_external_booking(
    *,
    actor: Any,
    source: str,
    external_id: str,
    service: Service,
    specialist: Specialist,
    contact: Contact,
    starts_at: datetime.datetime,
    minutes: int,
    status: str,
    price: Any,
    comment: str = "",
) -> Booking:
    """A booking the connected system holds (a record made there): written as it is there.

    Raises ``SlotTaken`` when it overlaps an active Kabinet booking of the same specialist (the database's
    constraint on PostgreSQL); the sync puts that on its review list."""
    ends_at = starts_at + datetime.timedelta(minutes=minutes)
    booking = Booking(
        branch=service.branch,
        service=service,
        specialist=specialist,
        contact=contact,
        company=None,
        starts_at=starts_at,
        ends_at=ends_at,
        held_from=starts_at,
        held_until=ends_at,
        status=status,
        price=price,
        currency=service.currency,
        comment=comment[:500],
        source=source,
        external_id=external_id,
        cancelled_at=timezone.now() if status == Booking.Status.CANCELLED else None,
    )
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError as exc:
        raise SlotTaken([]) from exc
    _record_external(event="booking.created", booking=booking, origin=source, tell=False)
    record_audit(
        event="booking.imported", actor=actor, target=booking, source=source, external_id=external_id
    )
    return booking


@transaction.atomic
def apply_external_change(
    *,
    actor: Any,
    booking: Booking,
    source: str,
    starts_at: datetime.datetime,
    minutes: int,
    specialist: Specialist,
    status: str,
) -> list[str]:
    """The connected system moved, cancelled or marked a booking: apply it (no deadline: it already
    happened there). A cancellation or a new time tells the client. Answers the changed fields."""
    booking = _locked(booking)
    changed: list[str] = []
    ends_at = starts_at + datetime.timedelta(minutes=minutes)
    if booking.status == Booking.Status.CANCELLED and status != Booking.Status.CANCELLED:
        status = Booking.Status.CANCELLED  # a cancelled booking never comes back to life (its id stays dead)
    if (booking.starts_at, booking.ends_at, booking.specialist_id) != (starts_at, ends_at, specialist.pk):
        previous = _when(booking)
        booking.starts_at, booking.ends_at, booking.specialist = starts_at, ends_at, specialist
        booking.held_from = starts_at
        booking.held_until = ends_at
        booking.reminded_24h_at = booking.reminded_2h_at = None
        try:
            with transaction.atomic():
                booking.save()
        except IntegrityError as exc:
            raise SlotTaken([]) from exc
        changed.append("starts_at")
        if booking.status == Booking.Status.CONFIRMED:
            _record_external(
                event="booking.rescheduled", booking=booking, origin=source, tell=True, previous=previous
            )
    if booking.status != status:
        booking.status = status
        if status == Booking.Status.CANCELLED:
            booking.cancelled_at = timezone.now()
        booking.save(update_fields=["status", "cancelled_at", "updated_at"])
        changed.append("status")
        _record_external(
            event=EXTERNAL_EVENTS.get(status, "booking.created"),
            booking=booking,
            origin=source,
            tell=status == Booking.Status.CANCELLED,
        )
    if changed:
        record_audit(
            event="booking.external_change", actor=actor, target=booking, source=source, fields=changed
        )
    return changed


@transaction.atomic
def link_external_booking(*, actor: Any, booking: Booking, source: str, external_id: str) -> Booking:
    """A Kabinet booking now exists in the connected system too: keep its id there."""
    Booking.objects.filter(pk=booking.pk).update(source=source, external_id=external_id)
    booking.source, booking.external_id = source, external_id
    record_audit(event="booking.linked", actor=actor, target=booking, source=source, external_id=external_id)
    return booking
