"""Scaled mode: two web processes share one Redis; a message sent through one reaches sockets on both.

Runs in CI (CI=true forbids skipping): when ``REDIS_URL`` is not set it uses the local Redis that CI runs.
Both uvicorn processes use the same SQLite file (created by ``kabinet migrate`` in a temporary data folder),
sessions in Redis, and the Redis channel layer.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from kabinet.testing.servers import free_port
from kabinet.testing.sockets import run_async

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/6"
CSRF = "k" * 32

SEED = """
import json
import django
django.setup()
from django.test import Client
from kabinet.testing import factories as f
company = f.CompanyFactory(name="ООО «Два процесса»")
user = f.client_user(company=company, email="client@fanout.test")
staff = f.UserFactory(email="staff@fanout.test", is_staff=True, is_superuser=True, full_name="Мария")
cookies = {}
for name, who in (("client", user), ("staff", staff)):
    browser = Client()
    browser.force_login(who)
    cookies[name] = browser.cookies["sessionid"].value
print(json.dumps(cookies))
"""


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def two_processes(tmp_path: Path):
    if not redis_available():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}},
        "DJANGO_SETTINGS_MODULE": "kabinet.config.settings",
        "KABINET_DATA_DIR": str(tmp_path / "data"),
        "KABINET_SECRET_KEY": "fan-out-test-" + uuid.uuid4().hex,
        "REDIS_URL": REDIS_URL,
        "KABINET_JOBS_NAME": "fanout-" + uuid.uuid4().hex[:8],
        "KABINET_JOBS_IMMEDIATE": "true",
        "KABINET_LOG_LEVEL": "WARNING",
    }
    python = sys.executable
    subprocess.run([python, "-m", "kabinet.cli", "migrate", "-v", "0"], env=env, check=True, timeout=300)
    seeded = subprocess.run(
        [python, "-c", SEED], env=env, check=True, capture_output=True, text=True, timeout=120
    )
    cookies = json.loads(seeded.stdout.strip().splitlines()[-1])
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen(
            [
                python,
                "-m",
                "uvicorn",
                "kabinet.config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--lifespan",
                "off",
                "--log-level",
                "warning",
            ],
            env=env,
        )
        for port in ports
    ]
    try:
        deadline = time.monotonic() + 60
        for port in ports:
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)  # noqa: S310
                    break
                except OSError:
                    if time.monotonic() > deadline or any(s.poll() is not None for s in servers):
                        raise RuntimeError("a web process did not start") from None
                    time.sleep(0.2)
        yield ports, cookies
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


def post(port: int, path: str, session: str, data: dict) -> dict:
    from urllib.parse import urlencode

    request = urllib.request.Request(  # noqa: S310
        f"http://127.0.0.1:{port}{path}",
        data=urlencode(data).encode(),
        headers={
            "Cookie": f"sessionid={session}; csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 201
        return json.loads(response.read())


class Tab:
    """A browser tab's socket that keeps frames it was not asked for yet (events may come in any order)."""

    def __init__(self, socket):
        self.socket, self.frames = socket, []

    async def next(self, kind: str, body: str | None = None, timeout: float = 10) -> dict:
        def wanted(frame: dict) -> bool:
            return frame.get("type") == kind and (body is None or frame["message"]["body"] == body)

        deadline = time.monotonic() + timeout
        while True:
            for frame in self.frames:
                if wanted(frame):
                    self.frames.remove(frame)
                    return frame
            remaining = max(deadline - time.monotonic(), 0.01)
            self.frames.append(json.loads(await asyncio.wait_for(self.socket.recv(), remaining)))


@pytest.mark.slow
def test_a_message_fans_out_across_two_web_processes(two_processes):
    from websockets.asyncio.client import connect

    (a, b), cookies = two_processes

    def socket(port: int, path: str, who: str):
        return connect(
            f"ws://127.0.0.1:{port}{path}",
            origin=f"http://127.0.0.1:{port}",
            additional_headers={"Cookie": f"sessionid={cookies[who]}"},
            open_timeout=10,
        )

    async def scenario() -> None:
        async with (
            socket(a, "/ws/portal/", "client") as client_tab_a,
            socket(b, "/ws/portal/", "client") as client_tab_b,
            socket(b, "/ws/staff/", "staff") as staff_tab_b,
        ):
            client_tab_a, client_tab_b, staff_tab_b = Tab(client_tab_a), Tab(client_tab_b), Tab(staff_tab_b)
            for tab in (client_tab_a, client_tab_b, staff_tab_b):
                await tab.next("hello")
            await asyncio.to_thread(
                post, a, "/messages/send/", cookies["client"], {"body": "Через процесс A"}
            )
            received = await staff_tab_b.next("message")
            assert received["message"]["body"] == "Через процесс A"
            assert (await client_tab_b.next("message"))["message"]["body"] == "Через процесс A"
            conversation = received["conversation"]["id"]
            await asyncio.to_thread(
                post,
                b,
                f"/staff/inbox/{conversation}/send/",
                cookies["staff"],
                {"body": "Ответ через процесс B"},
            )
            await client_tab_a.next("message", "Через процесс A")  # his own tab shows what he sent
            reply = await client_tab_a.next("message", "Ответ через процесс B")
            assert reply["message"]["mine"] is False and reply["unread"] == 1
            notice = await client_tab_a.next("notification")
            assert notice["unread"] == 1 and "Мария" in notice["notification"]["text"]
            await client_tab_a.socket.send(json.dumps({"type": "read"}))
            read = await staff_tab_b.next("read")
            assert read["side"] == "client" and read["conversation"] == conversation

    run_async(scenario)  # in its own thread: a browser test may have left a loop in this one
