"""Socket behaviour beyond the access matrix: signing out ends the socket, read marks and seen notices
travel both ways, a company switch changes what a tab receives."""

from __future__ import annotations

from importlib import import_module

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

from kabinet.config.asgi import application
from kabinet.messaging.actions import send_staff_message
from kabinet.notifications.models import Notification
from kabinet.testing.matrix import Role, build_world, session_cookie
from kabinet.testing.sockets import run_async

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live_world():
    channel_layers.backends.clear()
    return build_world()


def communicator(cookie: str, path: str = "/ws/portal/") -> WebsocketCommunicator:
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"), (b"cookie", cookie.encode())]
    return WebsocketCommunicator(application, path, headers=headers)


async def frames(socket: WebsocketCommunicator) -> list[dict]:
    received = []
    while not await socket.receive_nothing(timeout=0.5, interval=0.02):
        received.append(await socket.receive_json_from(timeout=5))
    return received


async def frames_until(socket: WebsocketCommunicator, done, timeout: float = 15) -> list[dict]:
    """Frames until ``done(frames)`` holds: events published after commit may arrive later on a busy machine."""
    import asyncio

    received: list[dict] = []
    deadline = asyncio.get_running_loop().time() + timeout
    while not done(received):
        left = deadline - asyncio.get_running_loop().time()
        assert left > 0, f"expected frames did not arrive: {received}"
        received.append(await socket.receive_json_from(timeout=left))
    return received + await frames(socket)


def test_signing_out_ends_the_socket(live_world):
    w = live_world
    cookie = session_cookie(w, Role.OWNER)

    async def scenario():
        socket = communicator(cookie)
        assert (await socket.connect())[0]
        hello = await socket.receive_json_from()
        assert hello == {"type": "hello", "unread_messages": 1, "unread_notifications": 1}
        key = cookie.split("=", 1)[1]
        engine = import_module(settings.SESSION_ENGINE)
        store: SessionBase = engine.SessionStore(key)
        await database_sync_to_async(store.delete)(key)  # what signing out in another tab does
        await database_sync_to_async(send_staff_message)(
            actor=w.user(Role.STAFF), conversation=w.extra["conversation"], body="После выхода"
        )
        output = await socket.receive_output(timeout=5)
        assert output == {"type": "websocket.close", "code": 4401}
        await socket.wait()

    run_async(scenario)


def test_read_marks_and_seen_notices_travel_both_ways(live_world):
    w = live_world
    conversation = w.extra["conversation"]
    client_cookie, staff_cookie = session_cookie(w, Role.OWNER), session_cookie(w, Role.STAFF)

    async def scenario():
        client = communicator(client_cookie)
        desk = communicator(staff_cookie, "/ws/staff/")
        for socket in (client, desk):
            assert (await socket.connect())[0]
            await socket.receive_json_from()
        await database_sync_to_async(send_staff_message)(
            actor=w.user(Role.STAFF), conversation=conversation, body="Прочитаете?"
        )
        got = await frames_until(
            client,
            lambda got: (
                any(f["type"] == "message" for f in got)
                and any(f["type"] == "notification" and "notification" in f for f in got)
            ),
        )
        message = next(f for f in got if f["type"] == "message")
        assert message["message"]["body"] == "Прочитаете?" and message["unread"] == 2
        notice = next(f for f in got if f["type"] == "notification" and "notification" in f)
        await client.send_json_to({"type": "seen", "notifications": [notice["notification"]["id"]]})
        await client.send_json_to({"type": "read"})
        read = [
            f
            for f in await frames_until(desk, lambda got: any(f["type"] == "read" for f in got))
            if f["type"] == "read"
        ]
        assert read and read[-1]["side"] == "client" and read[-1]["upto"] == message["message"]["id"]
        from kabinet.testing import factories as f

        answer = await database_sync_to_async(f.MessageFactory)(conversation=conversation, body="Да, спасибо")
        await desk.send_json_to({"type": "read", "conversation": conversation.public_id})
        staff_read = [
            f
            for f in await frames_until(
                client, lambda got: any(f["type"] == "read" and f.get("side") == "staff" for f in got)
            )
            if f["type"] == "read" and f["side"] == "staff"
        ]
        assert staff_read[-1]["upto"] == answer.public_id
        assert staff_read[-1]["side"] == "staff" and staff_read[-1]["unread"] == 0
        await client.send_json_to({"type": "ping"})
        assert await client.receive_json_from() == {"type": "pong"}
        for socket in (client, desk):
            await socket.disconnect()

    run_async(scenario)
    conversation.refresh_from_db()
    assert conversation.client_unread == 0 and conversation.staff_unread == 0
    notice = Notification.objects.get(event="message.received")
    assert notice.seen_at is not None and notice.read_at is not None


def test_a_tab_follows_the_company_switch(live_world):
    from kabinet.crm.models import Membership
    from kabinet.testing import factories as f

    w = live_world
    owner = w.user(Role.OWNER)
    f.MembershipFactory(contact=owner.contact, company=w.other_company, role=Membership.Role.MEMBER)
    there = f.ConversationFactory(contact=owner.contact, company=w.other_company)
    browser = w.client_for(Role.OWNER)
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"

    async def scenario():
        socket = communicator(cookie)
        assert (await socket.connect())[0]
        await socket.receive_json_from()
        send = database_sync_to_async(send_staff_message)
        await send(actor=w.user(Role.STAFF), conversation=there, body="Во второй компании")
        assert not [f for f in await frames(socket) if f["type"] == "message"]  # not the active company
        await database_sync_to_async(browser.post)("/company/", {"company": w.other_company.public_id})
        await send(actor=w.user(Role.STAFF), conversation=there, body="Снова во второй")
        await send(actor=w.user(Role.STAFF), conversation=w.extra["conversation"], body="В первой")
        arrived = await frames_until(socket, lambda got: any(f["type"] == "message" for f in got))
        bodies = [f["message"]["body"] for f in arrived if f["type"] == "message"]
        assert bodies == ["Снова во второй"]
        await socket.disconnect()

    run_async(scenario)


def test_a_reconnected_tab_gets_what_it_missed_and_nothing_of_others(live_world):
    w = live_world
    conversation = w.extra["conversation"]
    staff = w.user(Role.STAFF)
    seen = send_staff_message(actor=staff, conversation=conversation, body="Видел")
    send_staff_message(actor=staff, conversation=conversation, body="Пропустил 1")  # while disconnected
    send_staff_message(actor=staff, conversation=conversation, body="Пропустил 2")
    owner, other_client = session_cookie(w, Role.OWNER), session_cookie(w, Role.OTHER_CLIENT)

    async def scenario():
        socket = communicator(owner)
        assert (await socket.connect())[0]
        await socket.receive_json_from()  # hello
        await socket.send_json_to({"type": "since", "after": seen.public_id})
        got = await frames_until(socket, lambda f: len(f) >= 2)
        assert [f["message"]["body"] for f in got] == ["Пропустил 1", "Пропустил 2"]
        # another client's message id, or nonsense, gives nothing (the same selector as the pages)
        other = communicator(other_client)
        assert (await other.connect())[0]
        await other.receive_json_from()
        for after in (seen.public_id, "x" * 22, 42):
            await other.send_json_to({"type": "since", "after": after})
        assert await frames(other) == []
        await socket.disconnect()
        await other.disconnect()

    run_async(scenario)
