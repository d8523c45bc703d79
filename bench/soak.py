#!/usr/bin/env python3
"""Soak: Kabinet under a steady mixed load for a long time, to see errors, latency drift and memory growth.

    .venv/bin/python bench/soak.py                      # 30 minutes, embedded mode (kabinet demo: one process)
    .venv/bin/python bench/soak.py --minutes 2 --check  # the CI version: fails unless there were 0 errors
    .venv/bin/python bench/soak.py --postgres postgres://postgres@127.0.0.1:5432/kabinet_soak \\
        --redis redis://127.0.0.1:6379/14               # scaled mode: uvicorn --workers 2 + one job worker

It
  1. builds a fresh data folder: ``kabinet migrate``, ``kabinet seed --clients N --orders-per-client 10 --papers``,
     signs the clients in (sessions) and opens a ticket for each;
  2. starts Kabinet as deployed: embedded, ``kabinet demo`` (web server and job consumer in one process);
     scaled, uvicorn with ``--workers`` processes and a ``kabinet run_huey`` worker;
  3. measures the capacity for the mix (``--capacity-seconds`` of as-fast-as-possible closed-loop clients);
  4. runs the mix for ``--minutes`` at ``--load`` (default 80 %) of that rate, open loop (requests start on a
     schedule, whether or not the earlier ones have finished), while ``--sockets`` WebSockets stay open:
     browsing (start page, orders, an order, documents, history, chat, files, the ticket) 70 %, chat messages
     15 %, ticket replies 10 %, uploads 5 %;
  5. reports per minute: requests, errors (any answer but the expected one, any exception, any socket that
     dropped), p50/p95 latency, and the resident memory of every process of the server; and at the end the
     trends after ``--warmup-minutes``: p95 and memory slopes, with a verdict against the goals (0 errors, p95
     flat, memory flat after warm-up).

Output: ``bench/results/soak-<mode>-<time>.json`` (every number) and ``.md`` (the report).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import queue
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from kabinet.testing.http import get, post  # noqa: E402
from kabinet.testing.processes import (  # noqa: E402
    kabinet,
    kabinet_env,
    python,
    run_kabinet,
    session_members,
    stop_session,
    wait_for_http,
)
from kabinet.testing.servers import free_port  # noqa: E402

SEED = """
import json
from django.test import Client
from kabinet.accounts.models import User
from kabinet.testing import factories as f
from kabinet.tickets.actions import create_ticket
f.ticket_stage()
out = []
for user in User.objects.filter(is_staff=False, contact__isnull=False).select_related("contact").order_by("id")[:%d]:
    membership = user.contact.memberships.select_related("company").first()
    company = membership.company if membership else None
    ticket = create_ticket(actor=user, subject="Вопрос для нагрузки", body="Первое сообщение", company=company,
                           contact=user.contact)
    browser = Client()
    browser.force_login(user)
    order = user.contact.orders.order_by("id").first()
    out.append({"session": browser.cookies["sessionid"].value, "ticket": ticket.public_id,
                "order": order.public_id if order else None})
print(json.dumps(out))
"""
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
BROWSE = ["/", "/orders/", "order", "/documents/", "/history/", "/messages/", "/files/", "ticket"]
MIX = [("browse", 70), ("chat", 15), ("reply", 10), ("upload", 5)]
EXPECTED = {"browse": {200}, "chat": {201}, "reply": {302}, "upload": {302}}


@dataclass
class Client:
    session: str
    ticket: str
    order: str | None
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Sample:
    at: float
    action: str
    seconds: float
    ok: bool
    detail: str = ""


def act(base: str, client: Client, action: str, n: int) -> tuple[bool, str]:
    if action == "browse":
        path = random.choice(BROWSE)
        if path == "order":
            path = f"/orders/{client.order}/" if client.order else "/orders/"
        elif path == "ticket":
            path = f"/tickets/{client.ticket}/"
        answer = get(base, path, client.session)
    elif action == "chat":
        answer = post(base, "/messages/send/", client.session, {"body": f"Сообщение {n}"})
    elif action == "reply":
        answer = post(
            base,
            f"/tickets/{client.ticket}/reply/",
            client.session,
            {"body": f"Ответ {n}"},
            json_answer=False,
        )
    else:
        answer = post(
            base, "/files/", client.session, {}, {"upload": (f"soak-{n}.pdf", PDF)}, json_answer=False
        )
    ok = answer.status in EXPECTED[action]
    return ok, "" if ok else f"{action} {answer.status} {answer.body[:200]}"


def pick_action() -> str:
    roll = random.uniform(0, 100)
    for action, share in MIX:
        roll -= share
        if roll <= 0:
            return action
    return "browse"


class Load:
    """The mix against one server: closed loop (capacity) or open loop at a rate (the soak)."""

    def __init__(self, base: str, clients: list[Client]) -> None:
        self.base, self.clients = base, clients
        self.samples: list[Sample] = []
        self.counter = 0
        self.lock = threading.Lock()

    def one(self) -> None:
        with self.lock:
            self.counter += 1
            n = self.counter
        client = self.clients[n % len(self.clients)]
        action = pick_action()
        started = time.monotonic()
        try:
            with client.lock:  # one request at a time per signed-in client, as a person does
                ok, detail = act(self.base, client, action, n)
        except Exception as error:  # noqa: BLE001 — a timeout or a reset is an error of the soak, counted
            ok, detail = False, f"{action} {error!r}"[:300]
        self.samples.append(Sample(started, action, time.monotonic() - started, ok, detail))

    def closed_loop(self, seconds: float, workers: int) -> float:
        """Requests per second the server sustains for the mix with ``workers`` clients at once."""
        deadline = time.monotonic() + seconds
        before = len(self.samples)

        def loop() -> None:
            while time.monotonic() < deadline:
                self.one()

        threads = [threading.Thread(target=loop) for _ in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        done = self.samples[before:]
        return len(done) / seconds

    def open_loop(self, rate: float, seconds: float, workers: int, tick) -> None:
        """Start ``rate`` requests per second on a schedule for ``seconds``; ``tick`` runs every second."""
        jobs: queue.Queue = queue.Queue()
        stop = threading.Event()

        def worker() -> None:
            while not stop.is_set():
                try:
                    jobs.get(timeout=0.2)
                except queue.Empty:
                    continue
                self.one()

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
        for t in threads:
            t.start()
        start = time.monotonic()
        sent = 0
        next_tick = start + 1
        while (now := time.monotonic()) < start + seconds:
            due = int((now - start) * rate)
            for _ in range(due - sent):
                jobs.put(None)
            sent = due
            if now >= next_tick:
                tick()
                next_tick += 1
            time.sleep(0.01)
        stop.set()
        for t in threads:
            t.join(timeout=60)


class Sockets:
    """``count`` open client sockets for the whole soak; a socket that closes is an error and reconnects."""

    def __init__(self, base: str, clients: list[Client], count: int) -> None:
        self.url = base.replace("http://", "ws://") + "/ws/portal/"
        self.origin = base
        self.sessions = [clients[i % len(clients)].session for i in range(count)]
        self.frames = 0
        self.drops: list[tuple[float, str]] = []
        self.open = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self.main()), daemon=True)

    async def tab(self, session: str) -> None:
        from websockets.asyncio.client import connect

        while not self.stop.is_set():
            try:
                async with connect(
                    self.url,
                    origin=self.origin,
                    additional_headers={"Cookie": f"sessionid={session}"},
                    open_timeout=20,
                ) as socket:
                    self.open += 1
                    try:
                        while not self.stop.is_set():
                            try:
                                await asyncio.wait_for(socket.recv(), 1.0)
                                self.frames += 1
                            except TimeoutError:
                                continue
                    finally:
                        self.open -= 1
            except Exception as error:  # noqa: BLE001
                if not self.stop.is_set():
                    self.drops.append((time.monotonic(), repr(error)[:200]))
                    await asyncio.sleep(1 + random.random())

    async def main(self) -> None:
        await asyncio.gather(*(self.tab(s) for s in self.sessions))


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def describe(pid: int) -> str:
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return str(pid)
    words = [a.decode(errors="replace") for a in args if a]
    tail = " ".join(w for w in words[1:] if not w.startswith("/"))[:60]
    return f"{pid} {tail}"


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def slope(values: list[float]) -> float:
    """Least-squares slope per step (per minute here)."""
    if len(values) < 2:
        return 0.0
    xs = list(range(len(values)))
    mx, my = statistics.fmean(xs), statistics.fmean(values)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, values, strict=True)) / den


def prepare(args: argparse.Namespace, folder: Path) -> tuple[dict[str, str], list[Client]]:
    env = kabinet_env(
        KABINET_DATA_DIR=str(folder),
        KABINET_SECRET_KEY="soak-" + folder.name,
        KABINET_JOBS_NAME="soak-" + folder.name,
        KABINET_DB_CONN_MAX_AGE="0",
        KABINET_MEDIA_ROOT=str(folder / "files"),
    )
    if args.postgres:
        import psycopg

        admin, name = args.postgres.rsplit("/", 1)
        with psycopg.connect(admin + "/postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}"')
            c.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = args.postgres
    if args.redis:
        import redis

        redis.Redis.from_url(args.redis).flushdb()
        env["REDIS_URL"] = args.redis
    print("soak: migrating and seeding …", flush=True)
    run_kabinet("migrate", "-v", "0", env=env, timeout=900)
    # the demo world first (kabinet demo would load it at start, on top of the seeded data)
    run_kabinet(
        "shell", "--no-imports", "-c", "from kabinet.demo.data import load_demo; load_demo()", env=env
    )
    run_kabinet(
        "seed", "--clients", str(args.clients), "--orders-per-client", "10", "--papers", env=env, timeout=900
    )
    seeded = json.loads(
        run_kabinet("shell", "--no-imports", "-c", SEED % args.clients, env=env).splitlines()[-1]
    )
    return env, [Client(**c) for c in seeded]


def start(args: argparse.Namespace, env: dict[str, str], folder: Path) -> tuple[str, list[subprocess.Popen]]:
    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    log = folder / "server.log"
    if args.postgres:
        web = python(
            "-m", "uvicorn", "kabinet.config.asgi:application", "--host", "127.0.0.1", "--port", str(port),
            "--lifespan", "off", "--log-level", "warning", "--workers", str(args.workers), env=env, log=log,
        )  # fmt: skip
        processes = [web, kabinet("run_huey", "--quiet", env=env, log=folder / "worker.log")]
    else:
        processes = [kabinet("demo", "--port", str(port), "--data-dir", str(folder), env=env, log=log)]
    wait_for_http(base + "/healthz", processes[0], timeout=300, log=log)
    return base, processes


def memory(processes: list[subprocess.Popen]) -> dict[str, float]:
    out: dict[str, float] = {}
    for leader in processes:
        for pid in sorted(session_members(leader.pid)):
            rss = rss_mib(pid)
            if rss is not None:
                out[describe(pid)] = round(rss, 1)
    return out


def report(
    args, capacity: float, rate: float, load: Load, sockets: Sockets, mem: list[dict], t0: float
) -> dict:
    minutes = []
    for m in range(args.minutes):
        lo, hi = t0 + 60 * m, t0 + 60 * (m + 1)
        batch = [s for s in load.samples if lo <= s.at < hi]
        times = [s.seconds * 1000 for s in batch]
        minutes.append(
            {
                "minute": m + 1,
                "requests": len(batch),
                "errors": sum(not s.ok for s in batch) + sum(lo <= at < hi for at, _ in sockets.drops),
                "p50_ms": round(percentile(times, 0.5), 1),
                "p95_ms": round(percentile(times, 0.95), 1),
                "memory_mib": mem[m] if m < len(mem) else {},
            }
        )
    warm = min(args.warmup_minutes, max(args.minutes - 2, 0))
    after = minutes[warm:]
    p95 = [m["p95_ms"] for m in after]
    names = sorted({name for m in after for name in m["memory_mib"]})
    growth = {}
    for name in names:
        series = [m["memory_mib"][name] for m in after if name in m["memory_mib"]]
        growth[name] = {
            "first_mib": series[0] if series else None,
            "last_mib": series[-1] if series else None,
            "slope_mib_per_minute": round(slope(series), 3),
        }
    errors = sum(m["errors"] for m in minutes)
    p95_slope = slope(p95)
    p95_mean = statistics.fmean(p95) if p95 else 0.0
    span = max(len(after) - 1, 1)
    verdict = {
        "errors_zero": errors == 0,
        # flat: the fitted line moves less than 25 % of the mean over the measured span
        "p95_flat": abs(p95_slope) * span <= 0.25 * max(p95_mean, 1.0),
        # flat: each process's fitted line grows less than 8 MiB or 5 % over the span after warm-up
        "memory_flat": all(
            g["slope_mib_per_minute"] * span <= max(8.0, 0.05 * (g["first_mib"] or 0))
            for g in growth.values()
        ),
    }
    errors_seen = [s.detail for s in load.samples if not s.ok][:20] + [d for _, d in sockets.drops[:20]]
    return {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "system": platform.platform(),
        },
        "mode": "scaled" if args.postgres else "embedded",
        "minutes": args.minutes,
        "warmup_minutes": warm,
        "clients": args.clients,
        "sockets": args.sockets,
        "capacity_rps": round(capacity, 1),
        "load": args.load,
        "target_rps": round(rate, 1),
        "achieved_rps": round(sum(m["requests"] for m in minutes) / (60 * args.minutes), 1),
        "socket_frames": sockets.frames,
        "errors": errors,
        "error_examples": errors_seen,
        "p95_slope_ms_per_minute": round(p95_slope, 2),
        "memory_growth": growth,
        "verdict": verdict,
        "per_minute": minutes,
    }


def markdown(result: dict) -> str:
    v = result["verdict"]
    mark = {True: "yes", False: "**no**"}
    lines = [
        f"# Soak, {result['mode']} mode, {result['minutes']} min ({result['when']})",
        "",
        f"Machine: {result['machine']['cpus']} CPUs, Python {result['machine']['python']}. "
        f"{result['clients']} signed-in clients, {result['sockets']} open sockets. Capacity for the mix "
        f"{result['capacity_rps']} req/s; target {result['target_rps']} req/s ({int(result['load'] * 100)} %), "
        f"achieved {result['achieved_rps']} req/s. Warm-up: {result['warmup_minutes']} min.",
        "",
        f"- errors: {result['errors']} (goal 0: {mark[v['errors_zero']]})",
        f"- p95 trend after warm-up: {result['p95_slope_ms_per_minute']} ms/min (flat: {mark[v['p95_flat']]})",
        f"- memory flat after warm-up: {mark[v['memory_flat']]}",
        "",
        "| minute | requests | errors | p50 ms | p95 ms | memory MiB (per process) |",
        "|---:|---:|---:|---:|---:|---|",
    ]
    for m in result["per_minute"]:
        mem = ", ".join(f"{v:.0f}" for _, v in sorted(m["memory_mib"].items()))
        lines.append(
            f"| {m['minute']} | {m['requests']} | {m['errors']} | {m['p50_ms']} | {m['p95_ms']} | {mem} |"
        )
    lines += ["", "| process | MiB after warm-up | MiB at the end | slope MiB/min |", "|---|---:|---:|---:|"]
    for name, g in sorted(result["memory_growth"].items()):
        lines.append(f"| `{name}` | {g['first_mib']} | {g['last_mib']} | {g['slope_mib_per_minute']} |")
    if result["error_examples"]:
        lines += ["", "Errors (first ones):", ""] + [f"- `{e}`" for e in result["error_examples"]]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--warmup-minutes", type=int, default=3)
    parser.add_argument("--clients", type=int, default=24, help="signed-in clients (seeded)")
    parser.add_argument("--sockets", type=int, default=24, help="WebSockets open for the whole soak")
    parser.add_argument("--load", type=float, default=0.8, help="share of the measured capacity")
    parser.add_argument("--capacity-seconds", type=float, default=20)
    parser.add_argument("--port", type=int, default=0, help="default: a free one")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn processes (scaled mode)")
    parser.add_argument(
        "--postgres", help="PostgreSQL URL (its database is dropped and re-created): scaled mode"
    )
    parser.add_argument("--redis", help="Redis URL (its database is flushed); with --postgres")
    parser.add_argument("--data-dir", help="data folder (default: a new temporary one, removed at the end)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--check", action="store_true", help="exit 1 unless there were 0 errors")
    args = parser.parse_args()
    if bool(args.postgres) != bool(args.redis):
        parser.error("scaled mode needs both --postgres and --redis")
    if args.data_dir and Path(args.data_dir).exists():
        shutil.rmtree(args.data_dir)  # a fresh installation every time
    folder = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="kabinet-soak-"))
    folder.mkdir(parents=True, exist_ok=True)
    env, clients = prepare(args, folder)
    base, processes = start(args, env, folder)
    try:
        load = Load(base, clients)
        print(f"soak: measuring the capacity for {args.capacity_seconds:.0f} s …", flush=True)
        capacity = load.closed_loop(args.capacity_seconds, workers=len(clients))
        load.samples.clear()
        rate = capacity * args.load
        sockets = Sockets(base, clients, args.sockets)
        sockets.thread.start()
        print(f"soak: capacity {capacity:.1f} req/s; {args.minutes} min at {rate:.1f} req/s …", flush=True)
        mem: list[dict] = []
        t0 = time.monotonic()

        def tick() -> None:
            elapsed = time.monotonic() - t0
            if elapsed >= 60 * (len(mem) + 1) - 1:  # the memory of every process, once a minute
                mem.append(memory(processes))
                done = [s for s in load.samples if s.at >= t0 + 60 * (len(mem) - 1)]
                bad = sum(not s.ok for s in done)
                print(f"soak: minute {len(mem)}: {len(done)} requests, {bad} errors, {mem[-1]}", flush=True)

        load.open_loop(rate, 60 * args.minutes, workers=max(len(clients), 8), tick=tick)
        while len(mem) < args.minutes:
            mem.append(memory(processes))
        sockets.stop.set()
        sockets.thread.join(timeout=30)
        result = report(args, capacity, rate, load, sockets, mem, t0)
    finally:
        for process in processes:
            stop_session(process)
        if not args.data_dir:
            shutil.rmtree(folder, ignore_errors=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S")
    name = f"soak-{result['mode']}-{args.minutes}min-{stamp}"
    (out / f"{name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    (out / f"{name}.md").write_text(markdown(result))
    print(markdown(result))
    print(f"soak: written {out / name}.json and .md", flush=True)
    return 1 if args.check and result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
