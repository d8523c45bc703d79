"""Sockets meet the rules pages meet (security issue 19): the two-factor hold, the idle timeout, bounded frames.

The access matrix refuses held and idle sessions at the handshake (``messaging/tests/access.py``); these
tests cover an open socket whose session goes idle, a staff socket after the second factor, and frames
that are not what a tab sends.
"""

from __future__ import annotations

import time
from importlib import import_module

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.conf import settings

from kabinet.accounts import session_policy
from kabinet.config.asgi import application
from kabinet.core.models import AuditEntry
from kabinet.messaging.consumers import BadFrame, parse_frame
from kabinet.testing.matrix import Role, build_world, session_cookie, signed_in_by_password
from kabinet.testing.sockets import run_async

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live_world():
    channel_layers.backends.clear()
    return build_world()


def communicator(cookie: str, path: str = "/ws/portal/") -> WebsocketCommunicator:
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1"), (b"cookie", cookie.encode())]
    return WebsocketCommunicator(application, path, headers=headers)


def store_of(cookie: str):
    return import_module(settings.SESSION_ENGINE).SessionStore(cookie.split("=", 1)[1])


BAD_FRAMES = [
    ("binary", {"bytes_data": b"\x00\x01\x02"}),
    ("empty", {"text_data": ""}),
    ("blank", {"text_data": "   "}),
    ("not JSON", {"text_data": "hello"}),
    ("deeply nested", {"text_data": "[" * 5000}),
    ("nested object", {"text_data": '{"type": "seen", "notifications": ' + '{"a": ' * 50 + "1" + "}" * 51}),
    ("a list", {"text_data": '["read"]'}),
    ("no type", {"text_data": '{"conversation": "x"}'}),
    ("type not a string", {"text_data": '{"type": ["read"]}'}),
    ("too large", {"text_data": '{"type": "seen", "x": "' + "a" * 20_000 + '"}'}),
]


@pytest.mark.parametrize(("label", "frame"), BAD_FRAMES, ids=[label for label, _frame in BAD_FRAMES])
def test_parse_frame_refuses_what_a_tab_never_sends(label, frame):
    with pytest.raises(BadFrame):
        parse_frame(frame.get("text_data"), frame.get("bytes_data"))


def test_bad_frames_get_an_error_frame_and_the_socket_stays_open(live_world):
    cookie = session_cookie(live_world, Role.OWNER)

    async def scenario():
        socket = communicator(cookie)
        assert (await socket.connect(timeout=10))[0]
        await socket.receive_json_from(timeout=10)  # hello
        for _label, frame in BAD_FRAMES:
            # the raw ASGI event: the test client itself refuses to send an empty frame
            key = "bytes" if "bytes_data" in frame else "text"
            await socket.send_input({"type": "websocket.receive", key: frame.get(f"{key}_data")})
            answer = await socket.receive_json_from(timeout=10)
            assert answer["type"] == "error", answer
        await socket.send_json_to({"type": "ping"})
        assert await socket.receive_json_from(timeout=10) == {"type": "pong"}
        await socket.disconnect()

    run_async(scenario)


def test_an_open_socket_closes_when_its_session_goes_idle(live_world, settings):
    """The idle timeout ends the session on the server and closes its socket, even with no event to send."""
    settings.KABINET_SOCKET_RECHECK_SECONDS = 0.05
    cookie = session_cookie(live_world, Role.OWNER, signed_in_by_password)

    def go_idle():
        store = store_of(cookie)
        store[session_policy.SEEN_AT_KEY] = time.time() - 31 * 60  # what half an hour without a page does
        store.save()

    async def scenario():
        socket = communicator(cookie)
        assert (await socket.connect(timeout=10))[0]
        await socket.receive_json_from(timeout=10)  # hello
        await database_sync_to_async(go_idle)()
        assert await socket.receive_output(timeout=10) == {"type": "websocket.close", "code": 4401}
        await socket.wait()

    run_async(scenario)
    assert not store_of(cookie).exists(cookie.split("=", 1)[1])
    entry = AuditEntry.objects.get(event="auth.session_expired")
    assert entry.data["reason"] == "idle" and entry.data["channel"] == "socket"


def test_an_event_after_the_idle_timeout_is_not_delivered(live_world):
    from unittest import mock

    from kabinet.messaging.actions import send_staff_message

    w = live_world
    cookie = session_cookie(w, Role.OWNER, signed_in_by_password)

    async def scenario():
        socket = communicator(cookie)
        assert (await socket.connect(timeout=10))[0]
        await socket.receive_json_from(timeout=10)  # hello
        later = time.time() + 31 * 60
        with mock.patch("kabinet.accounts.session_policy.time.time", return_value=later):
            await database_sync_to_async(send_staff_message)(
                actor=w.user(Role.STAFF), conversation=w.extra["conversation"], body="AFTER-IDLE"
            )
            output = await socket.receive_output(timeout=10)
        assert output == {"type": "websocket.close", "code": 4401}, output
        await socket.wait()

    run_async(scenario)


def test_a_staff_socket_opens_once_this_session_passed_the_second_factor(live_world):
    """The hold is lifted by this session's second factor (an ``mfa`` record), as on the pages."""
    w = live_world

    def passed(session):
        signed_in_by_password(session)
        session[session_policy.MFA_PASSED_KEY] = time.time()

    held = session_cookie(w, Role.STAFF, signed_in_by_password)
    cleared = session_cookie(w, Role.STAFF, passed)

    async def scenario():
        refused = communicator(held, "/ws/staff/")
        assert not (await refused.connect(timeout=10))[0]
        socket = communicator(cleared, "/ws/staff/")
        assert (await socket.connect(timeout=10))[0]
        assert (await socket.receive_json_from(timeout=10))["type"] == "hello"
        await socket.disconnect()

    run_async(scenario)
