"""Documents' part of "download my data" (the files themselves come with the files section)."""

from __future__ import annotations

from typing import Any

from kabinet.accounts.personal_data import ExportPart, PersonalDataSource, register_personal_data
from kabinet.crm.personal_data import own_data_viewers
from kabinet.documents.selectors import documents_visible_to


def export(user: Any) -> list[ExportPart]:
    records = [
        {"kind": d.kind, "title": d.title, "number": d.number, "date": d.date, "status": d.status}
        for viewer in own_data_viewers(user)
        for d in documents_visible_to(viewer)
    ]
    return [ExportPart(name="documents", records=records)]


def register() -> None:
    register_personal_data(PersonalDataSource(key="documents", export=export, order=40))
