#!/usr/bin/env python3
"""Portal benchmark: signed-in clients against the real ASGI server, at two data scales, on SQLite and PostgreSQL.

For each database and scale it
  1. builds a fresh database: ``kabinet migrate`` + ``kabinet seed --clients N --orders-per-client 10 --papers``
     (1k orders = 100 clients, 1M orders = 100,000 clients; every client also gets documents, invoices and a
     history entry per object);
  2. starts uvicorn (``--workers``) on each — embedded mode for SQLite, scaled mode (PostgreSQL + Redis) for
     PostgreSQL;
  3. signs in ``--concurrency`` different clients (company admins and members) through the real login form;
  4. drives each page — dashboard, order list, order detail, documents, history — with all of them at once,
     over keep-alive HTTP/1.1 connections, in ``--rounds`` rounds of ``--duration`` seconds (after a warm-up)
     in which the two scales take turns, so that whatever else runs on the machine weighs on both alike;
  5. writes requests per second and p50/p95 latency per page as JSON and as a Markdown table.

    .venv/bin/python bench/run.py                          # everything (takes a while at 1M orders)
    .venv/bin/python bench/run.py --db sqlite --scales 1k  # a quick look
    .venv/bin/python bench/run.py --reuse                  # keep databases seeded by an earlier run

PostgreSQL and Redis come from ``--postgres`` / ``--redis``: the databases ``<name>_1k`` and ``<name>_1m`` are
dropped and re-created, the Redis database is flushed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = Path(sys.executable)
KABINET = [str(PYTHON), "-m", "kabinet.cli"]
SCALES = {"1k": 1_000, "1m": 1_000_000}
ORDERS_PER_CLIENT = 10
CLIENTS_PER_COMPANY = 4
PASSWORD = "kabinet-demo"  # noqa: S105 - the seeded accounts' public demo password
PAGES = ("dashboard", "order list", "order detail", "documents", "history")


# --- A small keep-alive HTTP/1.1 client ------------------------------------------------------------------


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
            self.writer = None

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        for attempt in range(2):
            if self.writer is None:
                await self._open()
            try:
                return await self._exchange(method, path, headers, body)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        assert self.reader is not None and self.writer is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Connection: keep-alive"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body:
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        response_headers: list[tuple[str, str]] = []
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.decode("latin-1").partition(":")
            response_headers.append((name.strip().lower(), value.strip()))
        found = dict(response_headers)
        if found.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            content = b"".join(chunks)
        elif "content-length" in found:
            content = await self.reader.readexactly(int(found["content-length"]))
        else:
            content = await self.reader.read()
            await self.close()
        if found.get("connection", "").lower() == "close":
            await self.close()
        return status, response_headers, content


@dataclass
class VirtualClient:
    email: str
    connection: Connection
    cookies: dict[str, str] = field(default_factory=dict)
    order_path: str = ""

    def headers(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}

    def remember(self, headers: list[tuple[str, str]]) -> None:
        for name, value in headers:
            if name == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]

    async def get(self, path: str) -> tuple[int, bytes]:
        status, headers, body = await self.connection.request("GET", path, self.headers())
        self.remember(headers)
        return status, body

    async def sign_in(self) -> None:
        status, body = await self.get("/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": self.email, "password": PASSWORD}
        ).encode()
        status, headers, _ = await self.connection.request(
            "POST",
            "/accounts/login/",
            {
                **self.headers(),
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://{self.connection.host}:{self.connection.port}/accounts/login/",
            },
            form,
        )
        self.remember(headers)
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"{self.email} could not sign in (HTTP {status})")
        status, body = await self.get("/orders/")
        match = re.search(rb'href="(/orders/[A-Za-z0-9_-]{22}/)"', body)
        if status != 200 or match is None:
            raise RuntimeError(f"{self.email} sees no order (HTTP {status})")
        self.order_path = match.group(1).decode()

    def path(self, page: str) -> str:
        return {
            "dashboard": "/",
            "order list": "/orders/",
            "order detail": self.order_path,
            "documents": "/documents/",
            "history": "/history/",
        }[page]


async def drive(clients: list[VirtualClient], page: str, seconds: float, warmup: float) -> dict:
    """All clients request ``page`` over and over; latencies of the answers after the warm-up."""
    latencies: list[float] = []
    errors = 0
    measuring = False
    stop_at = time.monotonic() + warmup + seconds

    async def loop(client: VirtualClient) -> None:
        nonlocal errors
        path = client.path(page)
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            status, _body = await client.get(path)
            elapsed = time.perf_counter() - started
            if measuring:
                if status == 200:
                    latencies.append(elapsed)
                else:
                    errors += 1

    async def switch_on() -> None:
        nonlocal measuring
        await asyncio.sleep(warmup)
        latencies.clear()
        measuring = True

    began = time.monotonic()
    await asyncio.gather(switch_on(), *(loop(c) for c in clients))
    return {"latencies": latencies, "errors": errors, "window": time.monotonic() - began - warmup}


def summary(samples: list[dict]) -> dict:
    """Requests per second and latency percentiles over every round of one page at one scale."""
    latencies = sorted(x for sample in samples for x in sample["latencies"])
    window = sum(sample["window"] for sample in samples)

    def pct(p: float) -> float:
        return (
            round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 1) if latencies else 0.0
        )

    return {
        "requests": len(latencies),
        "errors": sum(sample["errors"] for sample in samples),
        "rps": round(len(latencies) / window, 1) if window else 0.0,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else 0.0,
        "rounds": len(samples),
    }


# --- Databases and the server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(db: str, scale: str, args: argparse.Namespace) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env["KABINET_DATA_DIR"] = str(Path(args.data_dir) / f"{db}-{scale}")
    env["KABINET_LOG_LEVEL"] = "WARNING"
    env["KABINET_SECRET_KEY"] = "benchmark-only-secret-key-" + "x" * 40
    if db == "postgres":
        env["DATABASE_URL"] = postgres_url(args.postgres, scale)
        env["REDIS_URL"] = args.redis
        # Under ASGI every request may run in another thread, and Django's persistent connections are per
        # thread: they pile up until PostgreSQL refuses new clients. Connect per request instead.
        env["KABINET_DB_CONN_MAX_AGE"] = "0"
    return env


def postgres_url(base: str, scale: str) -> str:
    """One database per scale (``<name>_1k``, ``<name>_1m``): both are served at once, taking turns."""
    url = urllib.parse.urlparse(base)
    return url._replace(path=f"{url.path.rstrip('/')}_{scale}").geturl()


def run(cmd: list[str], env: dict[str, str]) -> None:
    subprocess.run(cmd, env=env, cwd=ROOT, check=True)


def prepare(db: str, scale: str, args: argparse.Namespace) -> dict:
    """A fresh database with the scale's data (or the one from an earlier run with --reuse)."""
    env = environment(db, scale, args)
    folder = Path(env["KABINET_DATA_DIR"])
    marker = folder / "seeded.json"
    if args.reuse and marker.exists():
        return json.loads(marker.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if db == "postgres":
        import psycopg

        url = urllib.parse.urlparse(env["DATABASE_URL"])
        name = url.path.lstrip("/")
        admin = url._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
    clients = SCALES[scale] // ORDERS_PER_CLIENT
    started = time.monotonic()
    run([*KABINET, "migrate", "-v0"], env)
    run(
        [
            *KABINET,
            "seed",
            "--clients",
            str(clients),
            "--orders-per-client",
            str(ORDERS_PER_CLIENT),
            "--batch",
            "2000",
            "--papers",
            "-v0",
        ],
        env,
    )
    if db == "postgres":
        run(
            [
                *KABINET,
                "shell",
                "-c",
                "from django.db import connection; connection.cursor().execute('ANALYZE')",
            ],
            env,
        )
    info = {
        "clients": clients,
        "orders": clients * ORDERS_PER_CLIENT,
        "seed_seconds": round(time.monotonic() - started),
    }
    marker.write_text(json.dumps(info))
    return info


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


class Server:
    def __init__(self, env: dict[str, str], workers: int) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                str(PYTHON),
                "-m",
                "uvicorn",
                "kabinet.config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
                "--no-access-log",
                "--log-level",
                "warning",
                "--lifespan",
                "off",
            ],
            env=env,
            cwd=ROOT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("uvicorn did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def chosen_clients(count: int, total: int) -> list[str]:
    """Clients spread over the whole range: every fourth one is a company admin (sees 40 orders), the rest members."""
    step = max(1, total // count)
    numbers = [1 + i * step for i in range(count)]
    # seeded clients are numbered from 1 (the first seed on an empty database); half of them admins
    picked = [n - ((n - 1) % CLIENTS_PER_COMPANY) if i % 2 == 0 else n for i, n in enumerate(numbers)]
    return [f"client{n}@seed.kabinet.test" for n in picked]


async def measure(servers: dict[str, Server], emails: dict[str, list[str]], args: argparse.Namespace) -> dict:
    """Every page at every scale, in alternating rounds (1k, 1M, 1k, 1M...), so whatever else the machine does
    meanwhile weighs on both scales alike."""
    clients: dict[str, list[VirtualClient]] = {}
    for scale, server in servers.items():
        clients[scale] = [
            VirtualClient(email=e, connection=Connection("127.0.0.1", server.port)) for e in emails[scale]
        ]
        for client in clients[scale]:  # one at a time: each login hashes the password with Argon2
            await client.sign_in()
    samples: dict[str, dict[str, list[dict]]] = {scale: {page: [] for page in PAGES} for scale in servers}
    for page in PAGES:
        for round_number in range(args.rounds):
            for scale in servers:
                sample = await drive(clients[scale], page, args.duration, args.warmup)
                samples[scale][page].append(sample)
                print(
                    f"    {page:<13} {scale:>3} round {round_number + 1}: {len(sample['latencies'])} answers, "
                    f"{sample['errors']} errors",
                    flush=True,
                )
    for scale in servers:
        for client in clients[scale]:
            await client.connection.close()
    return {scale: {page: summary(samples[scale][page]) for page in PAGES} for scale in servers}


# --- Report ----------------------------------------------------------------------------------------------


def markdown(report: dict) -> str:
    lines = [
        f"Kabinet portal benchmark — {report['started']}",
        "",
        f"Machine: {report['machine']['cpus']} CPU cores, {report['machine']['platform']}, Python "
        f"{report['machine']['python']}. Server: uvicorn, {report['config']['workers']} workers. "
        f"{report['config']['concurrency']} signed-in clients at once; per page and scale "
        f"{report['config']['rounds']} rounds of {report['config']['duration']} s (after "
        f"{report['config']['warmup']} s of warm-up each), the scales taking turns. Load generator on the same "
        "machine.",
        "",
    ]
    for db in report["databases"]:
        runs = {r["scale"]: r for r in report["runs"] if r["db"] == db}
        if not runs:
            continue
        title = "SQLite (embedded mode)" if db == "sqlite" else "PostgreSQL + Redis (scaled mode)"
        lines += [f"### {title}", ""]
        scales = [s for s in ("1k", "1m") if s in runs]
        header = "| page |" + "".join(f" rps {s} | p50 {s}, ms | p95 {s}, ms |" for s in scales)
        if len(scales) == 2:
            header += " p95 1M vs 1k |"
        lines += [header, "|---|" + "---:|" * (3 * len(scales) + (1 if len(scales) == 2 else 0))]
        for page in PAGES:
            row = f"| {page} |"
            for s in scales:
                m = runs[s]["pages"][page]
                row += f" {m['rps']} | {m['p50_ms']} | {m['p95_ms']} |"
            if len(scales) == 2:
                small, large = runs["1k"]["pages"][page]["p95_ms"], runs["1m"]["pages"][page]["p95_ms"]
                row += f" {((large - small) / small * 100):+.0f} % |" if small else " — |"
            lines.append(row)
        errors = sum(m["errors"] for r in runs.values() for m in r["pages"].values())
        lines += ["", f"Errors (non-200 answers): {errors}.", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--scales", default="1k,1m", help="comma-separated: 1k, 1m")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per page and round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per page and scale")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--data-dir", default="/tmp/kabinet-bench")  # noqa: S108 - scratch databases
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kabinet_bench"),
    )
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"))
    parser.add_argument("--reuse", action="store_true", help="keep databases seeded by an earlier run")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    scales = [s.strip().lower() for s in args.scales.split(",") if s.strip()]
    report = {
        "started": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "config": {
            "concurrency": args.concurrency,
            "duration": args.duration,
            "rounds": args.rounds,
            "warmup": args.warmup,
            "workers": args.workers,
            "orders_per_client": ORDERS_PER_CLIENT,
        },
        "databases": databases,
        "runs": [],
    }
    for db in databases:
        data = {}
        for scale in scales:
            print(f"== {db}, {scale} orders: preparing data", flush=True)
            data[scale] = prepare(db, scale, args)
            print(f"   {data[scale]}", flush=True)
        if db == "postgres":
            flush_redis(args.redis)
        servers: dict[str, Server] = {}
        try:
            for scale in scales:
                servers[scale] = Server(environment(db, scale, args), args.workers)
            emails = {scale: chosen_clients(args.concurrency, data[scale]["clients"]) for scale in scales}
            print(f"== {db}: measuring", flush=True)
            pages = asyncio.run(measure(servers, emails, args))
        finally:
            for server in servers.values():
                server.stop()
        for scale in scales:
            report["runs"].append({"db": db, "scale": scale, "data": data[scale], "pages": pages[scale]})
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = report["started"].replace(":", "").replace("-", "")
    (out / f"portal-{stamp}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    (out / f"portal-{stamp}.md").write_text(markdown(report))
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
