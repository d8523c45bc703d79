"""Tickets' part of "download my data": the person's own requests and their public messages."""

from __future__ import annotations

from typing import Any

from kabinet.accounts.personal_data import ExportPart, PersonalDataSource, register_personal_data
from kabinet.crm.personal_data import own_data_viewers
from kabinet.tickets.selectors import ticket_messages_visible_to, tickets_visible_to


def export(user: Any) -> list[ExportPart]:
    records = []
    for viewer in own_data_viewers(user):
        for ticket in tickets_visible_to(viewer):
            records.append(
                {
                    "number": ticket.number,
                    "subject": ticket.subject,
                    "created_at": ticket.created_at,
                    "messages": [
                        {"at": m.created_at, "body": m.body}
                        for m in ticket_messages_visible_to(viewer, ticket)
                    ],
                }
            )
    return [ExportPart(name="tickets", records=records)]


def register() -> None:
    register_personal_data(PersonalDataSource(key="tickets", export=export, order=30))
