"""iCalendar (RFC 5545) for a booking: written by hand, a dozen lines, no dependency needed."""

from __future__ import annotations

import datetime

from kabinet.bookings.models import Booking


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545, 3.1)."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += encoded
    parts.append(current.decode())
    return "\r\n ".join(parts)


def _vevent(booking: Booking, host: str) -> list[str]:
    cancelled = booking.status == Booking.Status.CANCELLED
    return [
        "BEGIN:VEVENT",
        f"UID:{booking.public_id}@{host}",
        f"DTSTAMP:{_stamp(booking.updated_at)}",
        f"DTSTART:{_stamp(booking.starts_at)}",
        f"DTEND:{_stamp(booking.ends_at)}",
        f"SUMMARY:{_escape(f'{booking.service.name} · {booking.specialist.name}')}",
        f"LOCATION:{_escape(', '.join(filter(None, [booking.branch.name, booking.branch.address])))}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        "END:VEVENT",
    ]


def _calendar(events: list[str], *, method: str) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Kabinet//Bookings//EN",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        *events,
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def booking_ics(booking: Booking, *, host: str) -> str:
    """One VEVENT with the service, the specialist and the branch's address; a cancelled booking is sent
    as cancelled, so a calendar that imported it before removes it."""
    cancelled = booking.status == Booking.Status.CANCELLED
    return _calendar(_vevent(booking, host), method="CANCEL" if cancelled else "PUBLISH")


def feed_ics(bookings: list[Booking], *, host: str) -> str:
    """A subscription feed: every booking given (cancelled ones marked so), one VEVENT each."""
    return _calendar([line for booking in bookings for line in _vevent(booking, host)], method="PUBLISH")
