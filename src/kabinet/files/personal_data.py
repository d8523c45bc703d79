"""Files' part of "download my data": the person's own files, read through ``files_visible_to``."""

from __future__ import annotations

from typing import Any

from kabinet.accounts.personal_data import (
    ExportedFile,
    ExportPart,
    PersonalDataSource,
    register_personal_data,
    stored_file_reader,
)
from kabinet.crm.personal_data import own_data_viewers
from kabinet.files.selectors import files_visible_to


def export(user: Any) -> list[ExportPart]:
    records, files = [], []
    for viewer in own_data_viewers(user):
        for item in files_visible_to(viewer):
            path = f"{item.public_id}-{item.original_name}"
            records.append(
                {
                    "file": f"files/{path}",
                    "name": item.original_name,
                    "direction": item.direction,
                    "content_type": item.content_type,
                    "size": item.size,
                    "created_at": item.created_at,
                }
            )
            files.append(ExportedFile(path=path, read=stored_file_reader(item.file)))
    return [ExportPart(name="files", records=records, files=files)]


def register() -> None:
    register_personal_data(PersonalDataSource(key="files", export=export, order=20))
