#!/usr/bin/env python3
"""Chat benchmark: delivery latency over WebSockets and idle connections held by one web process.

    .venv/bin/python bench/chat_bench.py                       # embedded: SQLite, in-process layer
    REDIS_URL=redis://127.0.0.1:6379/6 .venv/bin/python bench/chat_bench.py --mode scaled

It creates a temporary data folder, migrates it, seeds one client, one staff member and ``--idle`` more
clients (each with a signed-in session), starts ONE ``uvicorn kabinet.config.asgi:application`` process,
then:

1. latency — the client POSTs ``--messages`` messages to /messages/send/ (one at a time, on loopback); the
   time from just before the POST to the moment the staff member's socket receives the event (the other
   connection) is recorded; p50/p95/max are reported;
2. idle connections — ``--idle`` client sockets (each a different signed-in client) are opened in batches
   and kept open; the server's resident memory is sampled; latency is measured again while they are held.

Loops are bounded (counts and timeouts) and only touch 127.0.0.1. Results go to ``bench/results/`` as JSON
and a Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
CSRF = "b" * 32

SEED = """
import json, sys
import django
django.setup()
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from kabinet.accounts.models import User
from kabinet.crm.models import Company, Contact, Membership

idle = int(sys.argv[1])
engine = import_module(settings.SESSION_ENGINE)
company = Company.objects.create(name="ООО «Бенчмарк»")
staff = User.objects.create_user(email="staff@bench.test", password=None, is_staff=True, is_superuser=True)

def clients(count, prefix):
    users = User.objects.bulk_create(
        [User(email=f"{prefix}{i}@bench.test", password="!", language="en") for i in range(count)]
    )
    contacts = Contact.objects.bulk_create([Contact(first_name=f"Client {i}", user=u) for i, u in enumerate(users)])
    Membership.objects.bulk_create([Membership(contact=c, company=company) for c in contacts])
    return users

def session(user):
    store = engine.SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key

sender = clients(1, "sender")[0]
idle_users = clients(idle, "idle") if idle else []
print(json.dumps({"client": session(sender), "staff": session(staff), "idle": [session(u) for u in idle_users]}))
"""


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def post_message(port: int, session: str, body: str) -> None:
    request = urllib.request.Request(  # noqa: S310 — loopback only
        f"http://127.0.0.1:{port}/messages/send/",
        data=urlencode({"body": body}).encode(),
        headers={
            "Cookie": f"sessionid={session}; csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status == 201, response.status


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def measure_latency(port: int, sessions: dict, count: int) -> dict:
    from websockets.asyncio.client import connect

    headers = {"Cookie": f"sessionid={sessions['staff']}"}
    async with connect(
        f"ws://127.0.0.1:{port}/ws/staff/",
        origin=f"http://127.0.0.1:{port}",
        additional_headers=headers,
        open_timeout=30,
    ) as staff:
        json.loads(await asyncio.wait_for(staff.recv(), 30))  # hello
        samples = []
        for index in range(count):
            body = f"bench-{index}-{uuid.uuid4().hex[:6]}"
            started = time.perf_counter()
            await asyncio.to_thread(post_message, port, sessions["client"], body)
            while True:
                frame = json.loads(await asyncio.wait_for(staff.recv(), 30))
                if frame.get("type") == "message" and frame["message"]["body"] == body:
                    break
            samples.append((time.perf_counter() - started) * 1000)
    return {
        "messages": count,
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(percentile(samples, 0.95), 1),
        "max_ms": round(max(samples), 1),
    }


async def hold_idle(
    port: int, sessions: list[str], batch: int, pid: int, messages: int, all_sessions: dict
) -> dict:
    from websockets.asyncio.client import connect

    opened, failures, sockets = 0, 0, []
    rss_before = rss_mib(pid)
    started = time.perf_counter()

    async def open_one(session: str):
        socket = await connect(
            f"ws://127.0.0.1:{port}/ws/portal/",
            origin=f"http://127.0.0.1:{port}",
            additional_headers={"Cookie": f"sessionid={session}"},
            open_timeout=60,
            ping_interval=None,
        )
        await asyncio.wait_for(socket.recv(), 60)  # hello: authenticated and subscribed
        return socket

    for offset in range(0, len(sessions), batch):
        results = await asyncio.gather(
            *(open_one(s) for s in sessions[offset : offset + batch]), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                failures += 1
            else:
                sockets.append(result)
                opened += 1
    ramp_seconds = time.perf_counter() - started
    await asyncio.sleep(2)
    rss_after = rss_mib(pid)
    latency = await measure_latency(port, all_sessions, messages)
    for socket in sockets:
        await socket.close()
    return {
        "requested": len(sessions),
        "held": opened,
        "failed": failures,
        "ramp_seconds": round(ramp_seconds, 1),
        "server_rss_mib_before": round(rss_before, 1),
        "server_rss_mib_after": round(rss_after, 1),
        "kib_per_connection": round((rss_after - rss_before) * 1024 / max(opened, 1), 1),
        "latency_while_held": latency,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=["embedded", "scaled"], default="embedded")
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--idle", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    raise_fd_limit()
    redis_url = os.environ.get("REDIS_URL", "")
    if args.mode == "scaled" and not redis_url:
        parser.error("scaled mode needs REDIS_URL")
    data = Path(tempfile.mkdtemp(prefix="kabinet-chat-bench-"))
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}},
        "DJANGO_SETTINGS_MODULE": "kabinet.config.settings",
        "KABINET_DATA_DIR": str(data),
        "KABINET_SECRET_KEY": "bench-" + uuid.uuid4().hex,
        "KABINET_JOBS_IMMEDIATE": "true",
        "KABINET_LOG_LEVEL": "WARNING",
    }
    if args.mode == "scaled":
        env |= {"REDIS_URL": redis_url, "KABINET_JOBS_NAME": "bench-" + uuid.uuid4().hex[:8]}
    python = sys.executable
    subprocess.run([python, "-m", "kabinet.cli", "migrate", "-v", "0"], env=env, check=True)
    seeded = subprocess.run(
        [python, "-c", SEED, str(args.idle)], env=env, check=True, capture_output=True, text=True
    )
    sessions = json.loads(seeded.stdout.strip().splitlines()[-1])
    port = free_port()
    server = subprocess.Popen(
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
            "--backlog",
            "4096",
        ],
        env=env,
        preexec_fn=raise_fd_limit,  # noqa: PLW1509 — the server needs one descriptor per connection
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)  # noqa: S310
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)
        result = {
            "mode": args.mode,
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
            "latency": asyncio.run(measure_latency(port, sessions, args.messages)),
        }
        if args.idle:
            result["idle"] = asyncio.run(
                hold_idle(port, sessions["idle"], args.batch, server.pid, args.messages, sessions)
            )
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    out = args.out or ROOT / "bench" / "results" / f"chat-{args.mode}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    latency, idle = result["latency"], result.get("idle", {})
    print("| mode | messages | p50 ms | p95 ms | max ms | idle held | RSS MiB | KiB/conn | p95 ms held |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {args.mode} | {latency['messages']} | {latency['p50_ms']} | {latency['p95_ms']} | {latency['max_ms']} | "
        f"{idle.get('held', 0)}/{idle.get('requested', 0)} | {idle.get('server_rss_mib_before', '-')} → "
        f"{idle.get('server_rss_mib_after', '-')} | {idle.get('kib_per_connection', '-')} | "
        f"{idle.get('latency_while_held', {}).get('p95_ms', '-')} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
