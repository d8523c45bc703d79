"""What the chat sends to browsers (socket events and JSON answers), always loaded through the selectors."""

from __future__ import annotations

from typing import Any

from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kabinet.core.viewer import Viewer
from kabinet.messaging.models import Conversation, Message
from kabinet.messaging.selectors import conversations_visible_to, messages_visible_to


def message_data(message: Message, *, staff: bool) -> dict[str, Any]:
    download = "messaging:staff_attachment" if staff else "messaging:attachment"
    created = timezone.localtime(message.created_at)
    return {
        "id": message.public_id,
        "conversation": message.conversation.public_id,
        "from_staff": message.from_staff,
        "mine": message.from_staff == staff,
        "author": message.author_name
        or (_("Manager") if message.from_staff else message.conversation.contact.full_name),
        "body": message.body,
        "created_at": created.isoformat(),
        "time": formats.date_format(created, "SHORT_DATETIME_FORMAT"),
        "attachments": [
            {
                "name": f.original_name,
                "size": filesizeformat(f.size),
                "url": reverse(download, args=[f.public_id]),
            }
            for f in message.files
        ],
    }


def message_event(viewer: Viewer, message_id: int, *, staff: bool) -> dict[str, Any] | None:
    """The socket event for one new message, or None when this viewer may not read it."""
    message = (
        messages_visible_to(viewer, staff=staff)
        .select_related("author", "conversation", "conversation__contact", "conversation__company")
        .prefetch_related("attachments")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        return None
    event: dict[str, Any] = {"type": "message", "message": message_data(message, staff=staff)}
    conversation = message.conversation
    if staff:
        event["conversation"] = conversation_data(conversation)
    else:
        event["unread"] = conversation.client_unread
    return event


MISSED_LIMIT = 100


def missed_events(viewer: Viewer, after: Any, *, staff: bool) -> list[dict[str, Any]]:
    """The socket events of the messages a tab missed while it was disconnected (a server or Redis restart):
    those after the message ``after`` (the last one it shows, by public id) in the same conversation, oldest
    first, at most :data:`MISSED_LIMIT` (a tab further behind reloads the page). The tab drops ids it already
    shows, so an event received live and again here is shown once. Unknown ids give nothing."""
    if not isinstance(after, str) or not after:
        return []
    visible = messages_visible_to(viewer, staff=staff)
    last = visible.filter(public_id=after).values("pk", "conversation_id").first()
    if last is None:
        return []
    missed = list(
        visible.filter(conversation_id=last["conversation_id"], pk__gt=last["pk"])
        .select_related("author", "conversation", "conversation__contact", "conversation__company")
        .prefetch_related("attachments")
        .order_by("pk")[:MISSED_LIMIT]
    )
    events = []
    for message in missed:
        event: dict[str, Any] = {"type": "message", "message": message_data(message, staff=staff)}
        if staff:
            event["conversation"] = conversation_data(message.conversation)
        else:
            event["unread"] = message.conversation.client_unread
        events.append(event)
    return events


def conversation_data(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.public_id,
        "client": conversation.contact.full_name,
        "company": conversation.company.name if conversation.company_id else "",
        "unread": conversation.staff_unread,
        "url": reverse("messaging:staff_conversation", args=[conversation.public_id]),
    }


def read_event(
    viewer: Viewer, conversation_id: int, side: str, upto: int, *, staff: bool
) -> dict[str, Any] | None:
    """A read mark, as the message public id it reaches, for a viewer who may read the conversation."""
    row = (
        messages_visible_to(viewer, staff=staff)
        .filter(conversation_id=conversation_id, pk__lte=upto)
        .order_by("-id")
        .values("public_id", "conversation__public_id", "conversation__client_unread")
        .first()
    )
    if row is None:
        return None
    return {
        "type": "read",
        "side": side,
        "conversation": row["conversation__public_id"],
        "upto": row["public_id"],
        "unread": row["conversation__client_unread"] if not staff else None,
    }


def conversation_event(viewer: Viewer, conversation_id: int) -> dict[str, Any] | None:
    conversation = (
        conversations_visible_to(viewer, staff=True)
        .select_related("contact", "company")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        return None
    return {"type": "conversation", "conversation": conversation_data(conversation)}
