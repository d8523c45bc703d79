"""WebSocket consumers: every open tab of a client (``/ws/portal/``) and of the staff (``/ws/staff/``).

The socket is authenticated by the session cookie (Origin already checked at the handshake by
``kabinet.core.origin.SameOriginValidator``: scheme, host and port). A socket meets every rule an HTTP
request of the same session meets, through the same function, ``session_policy.evaluate``: the sign-out and
the auth hash (Django's ``get_user``), the idle timeout and the absolute lifetime, the staff's two-factor
hold; and it sees what the pages would, through the viewer built from the session (the active company).
The rules are applied at the handshake, before every event sent and every frame handled, and by a
watchdog at the session's deadline (at least every ``KABINET_SOCKET_RECHECK_SECONDS``), so a session that
expires or is ended elsewhere closes its sockets even when nothing happens. Socket traffic is not
activity: only pages keep a session alive.

Group events carry only ids; objects are loaded through the same viewer-scoped selectors as the pages.
Frames a tab sends are bounded and parsed defensively: anything that is not a small JSON object with a
``type`` gets an ``{"type": "error"}`` frame, and the socket stays open.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass
from importlib import import_module
from types import SimpleNamespace
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth import get_user
from django.utils import translation

from kabinet.accounts import session_policy
from kabinet.core.viewer import ANONYMOUS, Viewer
from kabinet.crm.viewer import build_viewer
from kabinet.messaging import actions, orders, payloads
from kabinet.messaging.selectors import CAN_READ, conversations_visible_to, staff_permissions
from kabinet.notifications import actions as notification_actions
from kabinet.notifications.realtime import STAFF_GROUP, contact_group
from kabinet.notifications.selectors import notifications_visible_to

logger = logging.getLogger(__name__)
CLOSE_SIGNED_OUT = 4401
MAX_FRAME_CHARS = 16_384  # a read mark or a list of seen notices is far smaller
MAX_FRAME_DEPTH = 4


@dataclass(frozen=True)
class SessionState:
    """The session behind a socket as it is now: the viewer (ANONYMOUS when the session may not be used),
    the policy's verdict, and the seconds until it expires if nothing happens."""

    viewer: Viewer
    verdict: session_policy.Verdict | None = None
    seconds_left: float | None = None


def session_state(session_key: str | None) -> SessionState:
    """The viewer as a page of this session would build it now, after the same checks as the HTTP path."""
    if not session_key:
        return SessionState(ANONYMOUS)
    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore(session_key)
    request = SimpleNamespace(session=store)
    user = get_user(request)  # verifies the session's auth hash, like the HTTP middleware
    if not user.is_authenticated or not user.is_active:
        return SessionState(ANONYMOUS)
    verdict = session_policy.evaluate(store, user)
    if verdict is not None:
        if verdict.ends_session:  # the same end as over HTTP: audited and deleted from the store
            session_policy.end_expired(store, user, verdict, channel="socket")
            store.delete()
        return SessionState(ANONYMOUS, verdict)
    request.user = user
    return SessionState(build_viewer(request), None, session_policy.seconds_left(store, time.time()))


def viewer_from_session(session_key: str | None) -> Viewer:
    """The viewer as a page would build it, from the session as it is now in the session store."""
    return session_state(session_key).viewer


def in_language(viewer: Viewer, build, *args: Any, **kwargs: Any) -> Any:
    """Build an event in the reader's own language, as his pages would be."""
    language = getattr(viewer.user, "language", None) or settings.LANGUAGE_CODE
    with translation.override(language):
        return build(viewer, *args, **kwargs)


class BadFrame(ValueError):
    """A frame that is not a small JSON object with a ``type``."""


def _depth(value: Any, limit: int) -> int:
    """How deeply ``value`` nests, counting no further than ``limit + 1``."""
    if limit < 0 or not isinstance(value, dict | list):
        return 0
    children = value.values() if isinstance(value, dict) else value
    return 1 + max((_depth(child, limit - 1) for child in children), default=0)


def parse_frame(text_data: str | None, bytes_data: bytes | None) -> dict[str, Any]:
    """The frame as a dict with a string ``type``, or ``BadFrame``: never any other exception."""
    if bytes_data is not None or text_data is None:
        raise BadFrame("binary")
    if not text_data.strip():
        raise BadFrame("empty")
    if len(text_data) > MAX_FRAME_CHARS:
        raise BadFrame("too_large")
    # Nesting is bounded before parsing: json.loads recurses once per bracket (RecursionError).
    if text_data.count("[") + text_data.count("{") > MAX_FRAME_CHARS // 8:
        raise BadFrame("too_deep")
    try:
        content = json.loads(text_data)
    except (ValueError, RecursionError) as error:
        raise BadFrame("not_json") from error
    if not isinstance(content, dict) or not isinstance(content.get("type"), str):
        raise BadFrame("not_an_event")
    if _depth(content, MAX_FRAME_DEPTH) > MAX_FRAME_DEPTH:
        raise BadFrame("too_deep")
    return content


class KabinetConsumer(AsyncWebsocketConsumer):
    staff = False
    group: str = ""
    watchdog: asyncio.Task | None = None
    closed = False

    async def connect(self) -> None:
        session = self.scope.get("session")
        self.session_key = getattr(session, "session_key", None)
        state, group = await database_sync_to_async(self.identify)()
        if group is None:
            await self.close()  # before accept: the handshake is refused (HTTP 403)
            return
        self.user_id = state.viewer.user.pk
        self.group = group
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(await database_sync_to_async(self.hello)(state.viewer))
        self.watchdog = asyncio.create_task(self.watch(state.seconds_left))

    async def disconnect(self, code: int) -> None:
        if self.watchdog is not None:
            self.watchdog.cancel()
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def send_json(self, content: Any, close: bool = False) -> None:
        await self.send(text_data=json.dumps(content), close=close)

    def identify(self) -> tuple[SessionState, str | None]:
        """The session now, and the viewer's group (None: not allowed on this socket)."""
        state = session_state(self.session_key)
        return state, (self.group_for(state.viewer) if state.viewer.user is not None else None)

    def group_for(self, viewer: Viewer) -> str | None:
        raise NotImplementedError

    def hello(self, viewer: Viewer) -> dict[str, Any]:
        return {"type": "hello"}

    async def current_viewer(self) -> Viewer | None:
        """The viewer now, or None (and the socket closed) when the session may no longer be used here."""
        state, group = await database_sync_to_async(self.identify)()
        viewer = state.viewer
        if viewer.user is None or viewer.user.pk != self.user_id or group != self.group:
            await self.sign_out()
            return None
        return viewer

    async def sign_out(self) -> None:
        """Close the socket once (code 4401: the page signs in again), and stop listening."""
        if self.closed:
            return
        self.closed = True
        if self.watchdog is not None and self.watchdog is not asyncio.current_task():
            self.watchdog.cancel()
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        await self.close(code=CLOSE_SIGNED_OUT)

    async def watch(self, seconds_left: float | None) -> None:
        """Close the socket when its session expires or ends elsewhere, even if no event arrives."""
        recheck = float(settings.KABINET_SOCKET_RECHECK_SECONDS)
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                wait = recheck if seconds_left is None else min(recheck, seconds_left + 1)
                await asyncio.sleep(max(wait, 0.01))
                state, group = await database_sync_to_async(self.identify)()
                if state.viewer.user is None or state.viewer.user.pk != self.user_id or group != self.group:
                    await self.sign_out()
                    return
                seconds_left = state.seconds_left

    async def forward(self, build, *args: Any, **kwargs: Any) -> None:
        if self.closed:
            return
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

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            content = parse_frame(text_data, bytes_data)
        except BadFrame as error:
            await self.send_json({"type": "error", "error": str(error)})
            return
        kind = content["type"]
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

    def handle(self, viewer: Viewer, kind: str, content: dict[str, Any]) -> None:
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

    async def order_changed(self, event: dict[str, Any]) -> None:
        await self.forward(orders.order_event, event["id"], str(event.get("order", "")))

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
