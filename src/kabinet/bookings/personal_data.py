"""Bookings' part of "download my data": the person's own bookings and seats."""

from __future__ import annotations

from typing import Any

from kabinet.accounts.personal_data import ExportPart, PersonalDataSource, register_personal_data
from kabinet.bookings.selectors import bookings_visible_to, seats_visible_to
from kabinet.crm.personal_data import own_data_viewers


def export(user: Any) -> list[ExportPart]:
    bookings, seats = [], []
    for viewer in own_data_viewers(user):
        for b in bookings_visible_to(viewer).filter(contact_id=viewer.contact_id).select_related("service"):
            bookings.append(
                {
                    "service": b.service.name,
                    "starts_at": b.starts_at,
                    "ends_at": b.ends_at,
                    "status": b.status,
                    "comment": b.comment,
                }
            )
        for s in seats_visible_to(viewer).select_related("event"):
            seats.append({"event": s.event.title, "starts_at": s.event.starts_at, "status": s.status})
    return [ExportPart(name="bookings", records=bookings), ExportPart(name="event_seats", records=seats)]


def register() -> None:
    register_personal_data(PersonalDataSource(key="bookings", export=export, order=55))
