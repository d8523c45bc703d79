"""WebSocket consumers: every open tab of a client (``/ws/portal/``) and of the staff (``/ws/staff/``).

The socket is authenticated by the session cookie (Origin already checked at the handshake by
``AllowedHostsOriginValidator``). Group events carry only ids; before anything is sent, the consumer
re-reads the session (a sign-out or a password change ends the socket) and loads the object through the
same viewer-scoped selectors as the pages, so a socket never carries what the pages would not show.
"""

from __future__ import annotations

import logging
from importlib import import_module
from types import SimpleNamespace
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import get_user
from django.utils import translation

from kabinet.core.viewer import ANONYMOUS, Viewer
from kabinet.crm.viewer import build_viewer
from kabinet.messaging import actions, payloads
from kabinet.messaging.selectors import CAN_READ, conversations_visible_to, staff_permissions
from kabinet.notifications import actions as notification_actions
from kabinet.notifications.realtime import STAFF_GROUP, contact_group
from kabinet.notifications.selectors import notifications_visible_to

logger = logging.getLogger(__name__)
CLOSE_SIGNED_OUT = 4401


def viewer_from_session(session_key: str | None) -> Viewer:
    """The viewer as a page would build it, from the session as it is now in the session store."""
    if not session_key:
        return ANONYMOUS
    engine = import_module(settings.SESSION_ENGINE)
    request = SimpleNamespace(session=engine.SessionStore(session_key))
    user = get_user(request)  # verifies the session's auth hash, like the HTTP middleware
    if not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    request.user = user
    return build_viewer(request)


def in_language(viewer: Viewer, build, *args: Any, **kwargs: Any) -> Any:
    """Build an event in the reader's own language, as his pages would be."""
    language = getattr(viewer.user, "language", None) or settings.LANGUAGE_CODE
    with translation.override(language):
        return build(viewer, *args, **kwargs)


class KabinetConsumer(AsyncJsonWebsocketConsumer):
    staff = False
    group: str = ""

    async def connect(self) -> None:
        session = self.scope.get("session")
        self.session_key = getattr(session, "session_key", None)
        viewer, group = await database_sync_to_async(self.identify)()
        if group is None:
            await self.close()  # before accept: the handshake is refused (HTTP 403)
            return
        self.user_id = viewer.user.pk
        self.group = group
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(await database_sync_to_async(self.hello)(viewer))

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    def identify(self) -> tuple[Viewer, str | None]:
        """The viewer behind the session now, and his group (None: not allowed on this socket)."""
        viewer = viewer_from_session(self.session_key)
        return viewer, self.group_for(viewer)

    def group_for(self, viewer: Viewer) -> str | None:
        raise NotImplementedError

    def hello(self, viewer: Viewer) -> dict[str, Any]:
        return {"type": "hello"}

    async def current_viewer(self) -> Viewer | None:
        """The viewer now, or None (and the socket closed) when the session no longer signs him in."""
        viewer, group = await database_sync_to_async(self.identify)()
        if viewer.user is None or viewer.user.pk != self.user_id or group != self.group:
            await self.close(code=CLOSE_SIGNED_OUT)
            return None
        return viewer

    async def forward(self, build, *args: Any, **kwargs: Any) -> None:
        viewer = await self.current_viewer()
        if viewer is None:
            return
        payload = await database_sync_to_async(in_language)(viewer, build, *args, **kwargs)
        if payload is not None:
            await self.send_json(payload)

    async def chat_message(self, event: dict[str, Any]) -> None:
        await self.forward(payloads.message_event, event["id"], staff=self.staff)

    async def chat_read(self, event: dict[str, Any]) -> None:
        await self.forward(payloads.read_event, event["id"], event["side"], event["upto"], staff=self.staff)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "ping":
            await self.send_json({"type": "pong"})
            return
        viewer = await self.current_viewer()
        if viewer is None:
            return
        if kind == "since":  # a tab (re)connected: what it missed, from the last message it shows
            missed = await database_sync_to_async(in_language)(
                viewer, payloads.missed_events, content.get("after"), staff=self.staff
            )
            for event in missed:
                await self.send_json(event)
            return
        await database_sync_to_async(self.handle)(viewer, kind, content)

    def handle(self, viewer: Viewer, kind: Any, content: dict[str, Any]) -> None:
        """Small writes a tab reports (read marks, notices seen); everything through actions."""


class PortalConsumer(KabinetConsumer):
    """A client's tab: his messages, read marks and notification centre, live."""

    def group_for(self, viewer: Viewer) -> str | None:
        return contact_group(viewer.contact_id) if viewer.is_client else None

    def hello(self, viewer: Viewer) -> dict[str, Any]:
        conversation = conversations_visible_to(viewer).only("client_unread").first()
        return {
            "type": "hello",
            "unread_messages": conversation.client_unread if conversation else 0,
            "unread_notifications": notifications_visible_to(viewer).filter(read_at__isnull=True).count(),
        }

    async def notification_changed(self, event: dict[str, Any]) -> None:
        await self.forward(notification_event, event.get("id"))

    async def chat_conversation(self, event: dict[str, Any]) -> None:
        return  # staff-side bookkeeping (assignment): nothing for the client

    def handle(self, viewer: Viewer, kind: Any, content: dict[str, Any]) -> None:
        if kind == "read":
            conversation = conversations_visible_to(viewer).first()
            if conversation is not None:
                actions.mark_read(actor=viewer.user, conversation=conversation, side=actions.CLIENT)
        elif kind == "seen" and isinstance(content.get("notifications"), list):
            ids = [str(i) for i in content["notifications"] if isinstance(i, str)]
            notification_actions.mark_seen(actor=viewer.user, viewer=viewer, notifications=ids)


def notification_event(viewer: Viewer, notification_id: int | None) -> dict[str, Any]:
    from django.urls import reverse

    visible = notifications_visible_to(viewer)
    data: dict[str, Any] = {"type": "notification", "unread": visible.filter(read_at__isnull=True).count()}
    if notification_id is not None:
        notification = visible.filter(pk=notification_id, read_at__isnull=True).first()
        if notification is not None:
            data["notification"] = {
                "id": notification.public_id,
                "event": notification.event,
                "text": notification.text,
                "url": reverse("notifications:open", args=[notification.public_id]),
            }
    return data


class StaffConsumer(KabinetConsumer):
    """A staff member's tab: every conversation he may read, live (the inbox and open conversations)."""

    staff = True

    def group_for(self, viewer: Viewer) -> str | None:
        return STAFF_GROUP if CAN_READ in staff_permissions(viewer.user) else None

    async def notification_changed(self, event: dict[str, Any]) -> None:
        return

    async def chat_conversation(self, event: dict[str, Any]) -> None:
        await self.forward(payloads.conversation_event, event["id"])

    def handle(self, viewer: Viewer, kind: Any, content: dict[str, Any]) -> None:
        if kind == "read" and isinstance(content.get("conversation"), str):
            conversation = (
                conversations_visible_to(viewer, staff=True).filter(public_id=content["conversation"]).first()
            )
            if conversation is not None:
                actions.mark_read(actor=viewer.user, conversation=conversation, side=actions.STAFF)
