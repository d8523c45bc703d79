"""Redis killed (SIGKILL) and started again under open WebSockets, while staff keep writing to a client.

Each tab behaves as ``messaging/static/messaging/live.js``: when its socket closes it reconnects after a
delay with jitter (1 s doubling, plus up to 1 s at random), and on every (re)connection asks for the messages
after the last one it shows (``{"type": "since"}``); it drops ids it already shows. Every tab must end up
showing every stored message exactly once, in order — one of them stays away until the stream is over, so
everything it shows came through the catch-up.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time

import pytest

from kabinet.faults.tests.web import SEED, Answer, post
from kabinet.testing.processes import wait_until

pytestmark = [pytest.mark.faults, pytest.mark.slow]
THREAD = """
import json
from kabinet.messaging.models import Message
print(json.dumps(list(Message.objects.order_by("id").values_list("public_id", flat=True))))
"""


class Tab:
    """One browser tab of the client, reconnecting like live.js."""

    def __init__(self, url: str, cookie: str, first: str, *, extra_delay: float = 0.0) -> None:
        self.url, self.cookie, self.extra_delay = url, cookie, extra_delay
        self.shown: list[str] = [first]  # the page as loaded: the client's first message
        self.connections = 0
        self.errors: list[str] = []
        self.hold = threading.Event()  # set: stay away (the late tab)

    def add(self, message: dict) -> None:
        if message["id"] not in self.shown:  # live.js: addMessage ignores an id already on the page
            self.shown.append(message["id"])

    async def run(self, stop: asyncio.Event) -> None:
        from websockets.asyncio.client import connect

        retry = 1.0
        while not stop.is_set():
            try:
                async with connect(
                    self.url,
                    origin=self.url.replace("ws://", "http://").split("/ws/")[0],
                    additional_headers={"Cookie": f"sessionid={self.cookie}"},
                    open_timeout=5,
                ) as socket:
                    self.connections += 1
                    retry = 1.0
                    await socket.send(json.dumps({"type": "since", "after": self.shown[-1]}))
                    while not stop.is_set() and not self.hold.is_set():
                        try:
                            frame = json.loads(await asyncio.wait_for(socket.recv(), 0.3))
                        except TimeoutError:
                            continue
                        if frame.get("type") == "message":
                            self.add(frame["message"])
            except Exception as error:  # noqa: BLE001 — closed or refused: reconnect below, as the page does
                self.errors.append(repr(error))
            while self.hold.is_set() and not stop.is_set():
                await asyncio.sleep(0.1)
            if stop.is_set():
                return
            await asyncio.sleep(retry + random.random())  # the jitter of live.js
            retry = min(retry * 2, 30.0)


@pytest.mark.parametrize("mode", ["scaled"])
def test_a_redis_restart_under_open_sockets_loses_and_repeats_no_message(stack, mode):
    seeded = stack.shell_json(SEED)
    cookies = seeded["cookies"]
    base = stack.server()
    first = post(base, "/messages/send/", cookies["client"], {"body": "Здравствуйте"})
    assert first.status == 201, first.body
    message = first.json()["message"]
    conversation = message["conversation"]
    ws = base.replace("http://", "ws://") + "/ws/portal/"
    tabs = [Tab(ws, cookies["client"], message["id"]) for _ in range(3)]
    late = tabs[-1]
    sent: list[Answer] = []
    stop_writing = threading.Event()

    def staff_writes() -> None:
        n = 0
        while not stop_writing.is_set():
            sent.append(
                post(base, f"/staff/inbox/{conversation}/send/", cookies["staff"], {"body": f"Ответ {n}"})
            )
            n += 1
            time.sleep(0.1)

    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def all_tabs() -> None:
        await asyncio.gather(*(t.run(stop) for t in tabs))

    runner = threading.Thread(target=lambda: loop.run_until_complete(all_tabs()), daemon=True)
    runner.start()
    writer = threading.Thread(target=staff_writes)
    try:
        try:
            wait_until(lambda: all(t.connections == 1 for t in tabs), timeout=120, what="every tab connected")
        except AssertionError:
            raise AssertionError(f"{[t.errors for t in tabs]} {runner.is_alive()}") from None
        writer.start()
        wait_until(lambda: len(sent) >= 10, timeout=120, what="messages before the restart")
        late.hold.set()  # this tab goes away (a laptop lid closed) and comes back only after the stream
        stack.redis.kill()
        time.sleep(1.5)
        stack.redis.start()
        wait_until(
            lambda: all(t.connections >= 2 for t in tabs[:-1]),
            timeout=120,
            what="the tabs to reconnect by themselves",
        )
        at_restart = len(sent)
        wait_until(lambda: len(sent) >= at_restart + 20, timeout=180, what="messages after the restart")
    finally:
        stop_writing.set()
        if writer.is_alive():
            writer.join(timeout=30)
    late.hold.clear()
    stored = stack.shell_json(THREAD)
    try:
        wait_until(
            lambda: all(len(t.shown) >= len(stored) for t in tabs),
            timeout=180,
            what="every tab to show everything",
        )
    finally:
        loop.call_soon_threadsafe(stop.set)
        runner.join(timeout=30)
    # While Redis is away the session cannot be read: Django's cache session store then reads it as empty, so
    # the request is anonymous and redirected to sign in (302), or fails as unavailable (503). Nothing stored.
    assert {a.status for a in sent} <= {201, 302, 503}, [
        a.body[:200] for a in sent if a.status not in {201, 302, 503}
    ]
    assert sum(a.status == 201 for a in sent) == len(stored) - 1  # every accepted message is stored
    for tab in tabs:
        assert tab.shown == stored  # everything, once, in order
    assert late.connections == 2
