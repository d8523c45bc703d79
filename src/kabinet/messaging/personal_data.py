"""Chat's part of "download my data": the person's conversations with every message and attachment.

Read through ``messages_visible_to`` with the same per-company viewers as the other parts, so the export
holds exactly what the person can read in /messages/ (his own threads, never a colleague's).
"""

from __future__ import annotations

from typing import Any

from kabinet.accounts import personal_data as account_data
from kabinet.crm.personal_data import own_data_viewers
from kabinet.messaging.selectors import messages_visible_to


def export(user: Any) -> list[account_data.ExportPart]:
    conversations: dict[str, dict[str, Any]] = {}
    files: list[account_data.ExportedFile] = []
    for viewer in own_data_viewers(user):
        rows = (
            messages_visible_to(viewer)
            .select_related("conversation__company", "author")
            .prefetch_related("attachments")
            .order_by("conversation_id", "created_at", "id")
        )
        for message in rows:
            conversation = message.conversation
            thread = conversations.setdefault(
                conversation.public_id,
                {
                    "company": conversation.company.name if conversation.company else None,
                    "started_at": conversation.created_at,
                    "messages": [],
                },
            )
            attachments = []
            for item in message.files:
                path = f"chat/{item.public_id}-{item.original_name}"
                attachments.append({"file": f"files/{path}", "name": item.original_name, "size": item.size})
                files.append(
                    account_data.ExportedFile(path=path, read=account_data.stored_file_reader(item.file))
                )
            thread["messages"].append(
                {
                    "at": message.created_at,
                    "from_team": message.from_staff,
                    "author": message.author_name,
                    "body": message.body,
                    "attachments": attachments,
                }
            )
    return [account_data.ExportPart(name="messages", records=list(conversations.values()), files=files)]


def register() -> None:
    account_data.register_personal_data(
        account_data.PersonalDataSource(key="messaging", export=export, order=40)
    )
