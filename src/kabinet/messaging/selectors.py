"""Viewer-scoped reads of the chat: pages, counters, downloads and the WebSocket consumers all use these.

Client side: a conversation is personal. A client sees only his own conversation in his active company
context (or his private one without a company); a company admin does NOT see the chats of his colleagues.
Staff side (``staff=True``): every conversation, for staff holding ``messaging.view_conversation``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import HttpRequest

from kabinet.core.sync import changed_since
from kabinet.core.viewer import Viewer, scope_to_viewer
from kabinet.files.models import ClientFile
from kabinet.messaging.models import Conversation, Message, QuickReply

CAN_READ = "view_conversation"
CAN_REPLY = "add_message"
CAN_ASSIGN = "change_conversation"


def staff_permissions(user: Any) -> frozenset[str]:
    """The chat permissions of a staff user (codenames), in one query, remembered on the user object."""
    if (
        user is None
        or not getattr(user, "is_authenticated", False)
        or not user.is_staff
        or not user.is_active
    ):
        return frozenset()
    cached = getattr(user, "_kabinet_chat_permissions", None)
    if cached is None:
        if user.is_superuser:
            cached = frozenset({CAN_READ, CAN_REPLY, CAN_ASSIGN})
        else:
            cached = frozenset(
                Permission.objects.filter(content_type__app_label="messaging")
                .filter(Q(user=user) | Q(group__user=user))
                .values_list("codename", flat=True)
                .distinct()
            )
        user._kabinet_chat_permissions = cached
    return cached


def conversations_visible_to(viewer: Viewer, *, staff: bool = False) -> QuerySet[Conversation]:
    """The conversations the viewer may read: his own (client side) or all of them (staff with access)."""
    if staff:
        if CAN_READ not in staff_permissions(viewer.user):
            return Conversation.objects.none()
        return Conversation.objects.all()
    if not viewer.is_client:
        return Conversation.objects.none()
    return scope_to_viewer(Conversation.objects.all(), viewer).filter(contact_id=viewer.contact_id)


def messages_visible_to(
    viewer: Viewer, *, staff: bool = False, updated_since: datetime.datetime | None = None
) -> QuerySet[Message]:
    """Messages of the conversations the viewer may read (the same rule, as a join), changed since
    ``updated_since``."""
    return changed_since(_messages_visible_to(viewer, staff=staff), updated_since)


def _messages_visible_to(viewer: Viewer, *, staff: bool) -> QuerySet[Message]:
    if staff:
        if CAN_READ not in staff_permissions(viewer.user):
            return Message.objects.none()
        return Message.objects.all()
    if not viewer.is_client:
        return Message.objects.none()
    return scope_to_viewer(
        Message.objects.all(),
        viewer,
        company_field="conversation__company",
        contact_field="conversation__contact",
    ).filter(conversation__contact_id=viewer.contact_id)


def attachment_for_viewer(viewer: Viewer, public_id: str, *, staff: bool = False) -> ClientFile:
    """A chat attachment by public id, or ``ClientFile.DoesNotExist`` when the viewer cannot read its message."""
    return (
        ClientFile.objects.filter(
            public_id=public_id, chat_messages__in=messages_visible_to(viewer, staff=staff)
        )
        .distinct()
        .get()
    )


def my_conversation(request: HttpRequest) -> Conversation | None:
    """The client's conversation in his active context (one query, remembered for the request)."""
    if not hasattr(request, "_kabinet_conversation"):
        request._kabinet_conversation = (
            conversations_visible_to(request.viewer).select_related("assigned_to").first()
            if request.viewer.is_client
            else None
        )
    return request._kabinet_conversation


def unread_messages(request: HttpRequest) -> int:
    conversation = my_conversation(request)
    return conversation.client_unread if conversation is not None else 0


def recent_messages(
    conversation: Conversation, *, before: Message | None = None, limit: int = 50
) -> tuple[list[Message], bool]:
    """The latest ``limit`` messages (before a given one), oldest first, with authors and attachments,
    and whether older ones exist (one row more is read instead of a second query)."""
    rows = conversation.messages.select_related("author").prefetch_related("attachments").order_by("-id")
    if before is not None:
        rows = rows.filter(id__lt=before.pk)
    page = list(rows[: limit + 1])
    return list(reversed(page[:limit])), len(page) > limit


def quick_replies() -> QuerySet[QuickReply]:
    return QuickReply.objects.filter(is_active=True)


def inbox(viewer: Viewer, *, show: str = "all", query: str = "") -> QuerySet[Conversation]:
    """The staff inbox: conversations with something unread first, then the most recent."""
    rows = conversations_visible_to(viewer, staff=True).select_related("contact", "company", "assigned_to")
    if show == "mine":
        rows = rows.filter(assigned_to=viewer.user)
    elif show == "unassigned":
        rows = rows.filter(assigned_to__isnull=True)
    elif show == "unread":
        rows = rows.filter(staff_unread__gt=0)
    if query:
        rows = rows.filter(
            Q(contact__last_name__icontains=query)
            | Q(contact__first_name__icontains=query)
            | Q(company__name__icontains=query)
        )
    has_unread = ExpressionWrapper(Q(staff_unread__gt=0), output_field=BooleanField())
    return rows.filter(last_message_at__isnull=False).order_by(has_unread.desc(), "-last_message_at", "-id")
