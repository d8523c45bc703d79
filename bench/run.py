#!/usr/bin/env python3
"""Portal benchmark: every client page as a ratio to a minimal Django page, and heavy clients against light ones.

    python3 bench/run.py                                   # SQLite and PostgreSQL + Redis (a few minutes each)
    python3 bench/run.py --db sqlite                       # embedded mode only
    python3 bench/run.py --db sqlite --pages dashboard,tickets --rounds 1   # a quick look
    python3 bench/run.py --reuse                           # measure again on the databases seeded before

From a fresh clone it first creates ``.venv`` from ``uv.lock`` (through ``dev.py``) and runs itself there. Then,
for each database:

  1. a fresh database: ``kabinet migrate`` + ``kabinet seed --clients N --orders-per-client 10 --papers
     --heavy 2 --heavy-size 10000`` (orders, documents, invoices, history, tickets, chat, notifications and
     files for every client; the heavy clients have 10,000 of each);
  2. one server (uvicorn, ``--workers``) with Kabinet's own settings plus one page, the **floor**
     (``bench/floor/``): a minimal authenticated page that loads the session user and renders a 2 KB template.
     Embedded mode for SQLite, scaled mode (PostgreSQL with the psycopg pool, Redis) for PostgreSQL;
  3. three groups of ``--concurrency`` connections, each signed in through the real sign-in form with its own
     session: light clients (half company admins, half members), heavy clients (the heavy members and their
     company admins), and light clients again for the floor;
  4. for every page, in ``--rounds`` rounds, the floor, the light clients and the heavy clients take turns for
     ``--duration`` seconds each (after ``--warmup``), so whatever else runs on the machine weighs on all alike;
  5. records throughput, p50/p95 latency and the CPU time the server processes spent per request (read from
     ``/proc``: steadier than req/s on a shared machine), and writes JSON and a Markdown table of each page's
     **ratio to the floor** (throughput and CPU) and of **p95 heavy ÷ p95 light**.

PostgreSQL and Redis come from ``--postgres`` / ``--redis``: the database is dropped and re-created and the
Redis database flushed. The load generator (Python asyncio) runs on the same machine; the server's CPU per
request does not count it.
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
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
BENCH = Path(__file__).resolve().parent
PASSWORD = "kabinet-demo"  # noqa: S105 - the seeded accounts' public demo password
FLOOR_PATH = "/bench/floor/"
CLIENTS_PER_COMPANY = 4
# page -> path (detail pages take the first link of their list)
PAGES = {
    "dashboard": "/",
    "orders": "/orders/",
    "order detail": None,
    "documents": "/documents/",
    "invoices": "/invoices/",
    "tickets": "/tickets/",
    "ticket detail": None,
    "chat": "/messages/",
    "history": "/history/",
    "notifications": "/notifications/",
    "files": "/files/",
}
DETAIL_LINKS = {
    "order detail": ("/orders/", rb'href="(/orders/[A-Za-z0-9_-]{22}/)"'),
    "ticket detail": ("/tickets/", rb'href="(/tickets/[A-Za-z0-9_-]{22}/)"'),
}
GROUPS = ("floor", "light", "heavy")


def ensure_environment() -> None:
    """Run inside the project's ``.venv``, created from ``uv.lock`` by ``dev.py`` when missing (an existing one
    is used as it is: re-synchronising it would drop the test tools ``dev.py test`` installed)."""
    if Path(sys.prefix).resolve() == (ROOT / ".venv").resolve():
        return
    if not VENV_PYTHON.exists():
        sys.path.insert(0, str(ROOT))
        import dev

        dev.ensure_environment("")
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])  # noqa: S606


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
    paths: dict[str, str] = field(default_factory=dict)

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

    async def sign_in(self, pages: list[str]) -> None:
        """Sign in through today's form (email + password, ``action=password``), then find the detail pages."""
        status, body = await self.get("/accounts/login/")
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or found is None:
            raise RuntimeError(f"the sign-in page answered HTTP {status} without a form")
        form = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": found.group(1).decode(),
                "login": self.email,
                "password": PASSWORD,
                "action": "password",
            }
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
        self.paths = {"floor": FLOOR_PATH, **{page: path for page, path in PAGES.items() if path}}
        for page, (list_path, pattern) in DETAIL_LINKS.items():
            if page not in pages:
                continue
            status, body = await self.get(list_path)
            match = re.search(pattern, body)
            if status != 200 or match is None:
                raise RuntimeError(f"{self.email} has no link for {page} on {list_path} (HTTP {status})")
            self.paths[page] = match.group(1).decode()


# --- CPU time of the server ------------------------------------------------------------------------------


def process_tree_cpu(root_pid: int) -> float:
    """CPU seconds (user + system) the server's live processes (the master and its workers) have used."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended meanwhile
        fields = stat.rpartition(")")[2].split()
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier += children
    return sum(times.get(pid, 0.0) for pid in tree)


async def drive(
    clients: list[VirtualClient], page: str, seconds: float, warmup: float, server_pid: int
) -> dict:
    """All clients request ``page`` over and over; latencies and server CPU of the answers after the warm-up."""
    latencies: list[float] = []
    errors = 0
    measuring = False
    cpu_start = 0.0
    stop_at = time.monotonic() + warmup + seconds

    async def loop(client: VirtualClient) -> None:
        nonlocal errors
        path = client.paths[page]
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
        nonlocal measuring, cpu_start
        await asyncio.sleep(warmup)
        latencies.clear()
        cpu_start = process_tree_cpu(server_pid)
        measuring = True

    began = time.monotonic()
    await asyncio.gather(switch_on(), *(loop(c) for c in clients))
    cpu = process_tree_cpu(server_pid) - cpu_start
    return {
        "latencies": latencies,
        "errors": errors,
        "window": time.monotonic() - began - warmup,
        "cpu_seconds": cpu,
    }


def summary(samples: list[dict]) -> dict:
    """Throughput, latency percentiles and CPU per request over every round of one page and group."""
    latencies = sorted(x for sample in samples for x in sample["latencies"])
    window = sum(sample["window"] for sample in samples)
    cpu = sum(sample["cpu_seconds"] for sample in samples)

    def pct(p: float) -> float:
        return (
            round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2) if latencies else 0.0
        )

    return {
        "requests": len(latencies),
        "errors": sum(sample["errors"] for sample in samples),
        "rps": round(len(latencies) / window, 1) if window else 0.0,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if latencies else 0.0,
        "cpu_ms_per_request": round(cpu / len(latencies) * 1000, 2) if latencies else 0.0,
        "rounds": len(samples),
    }


def ratios(page: dict[str, dict]) -> dict:
    """A page against its floor, measured in the same rounds: throughput and CPU (floor ÷ page) ratios."""
    floor, light, heavy = page["floor"], page["light"], page["heavy"]
    return {
        "rps_vs_floor": round(light["rps"] / floor["rps"], 3) if floor["rps"] else 0.0,
        "cpu_vs_floor": round(floor["cpu_ms_per_request"] / light["cpu_ms_per_request"], 3)
        if light["cpu_ms_per_request"]
        else 0.0,
        "p95_heavy_vs_light": round(heavy["p95_ms"] / light["p95_ms"], 3) if light["p95_ms"] else 0.0,
        "cpu_heavy_vs_light": round(heavy["cpu_ms_per_request"] / light["cpu_ms_per_request"], 3)
        if light["cpu_ms_per_request"]
        else 0.0,
    }


# --- Databases and the server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(db: str, args: argparse.Namespace) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env["KABINET_DATA_DIR"] = str(Path(args.data_dir) / db)
    env["KABINET_LOG_LEVEL"] = "WARNING"
    env["KABINET_SECRET_KEY"] = "benchmark-only-secret-key-" + "x" * 40
    # Kabinet's settings plus the floor page (bench/floor/): same server, same middleware, same database.
    env["DJANGO_SETTINGS_MODULE"] = "floor.settings"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH), env.get("PYTHONPATH", "")]))
    if db == "postgres":
        env["DATABASE_URL"] = args.postgres
        env["REDIS_URL"] = args.redis
    return env


def run(cmd: list[str], env: dict[str, str]) -> None:
    subprocess.run(cmd, env=env, cwd=ROOT, check=True)


def kabinet(*args: str) -> list[str]:
    return [sys.executable, "-m", "kabinet.cli", *args]


def prepare(db: str, args: argparse.Namespace) -> dict:
    """A fresh database with light and heavy clients (or the one from an earlier run with --reuse)."""
    env = environment(db, args)
    folder = Path(env["KABINET_DATA_DIR"])
    marker = folder / "seeded.json"
    wanted = {"clients": args.clients, "heavy": args.heavy, "heavy_size": args.heavy_size}
    if args.reuse and marker.exists() and json.loads(marker.read_text()).get("wanted") == wanted:
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
        import redis

        redis.Redis.from_url(args.redis).flushdb()
    started = time.monotonic()
    run(kabinet("migrate", "-v0"), env)
    seed = ["seed", "--clients", str(args.clients), "--orders-per-client", "10", "--papers"]
    seed += ["--heavy", str(args.heavy), "--heavy-size", str(args.heavy_size), "-v0"]
    run(kabinet(*seed), env)
    info = {"wanted": wanted, "seed_seconds": round(time.monotonic() - started)}
    marker.write_text(json.dumps(info))
    return info


class Server:
    def __init__(self, env: dict[str, str], workers: int, kind: str = "uvicorn") -> None:
        self.port = free_port()
        if kind == "gunicorn":  # WSGI, sync workers: HTTP only (WebSockets stay with uvicorn)
            command = [sys.executable, "-m", "gunicorn", "kabinet.config.wsgi:application", "--bind"]
            command += [f"127.0.0.1:{self.port}", "--workers", str(workers), "--log-level", "warning"]
        else:
            command = [sys.executable, "-m", "uvicorn", "kabinet.config.asgi:application", "--host"]
            command += ["127.0.0.1", "--port", str(self.port), "--workers", str(workers), "--no-access-log"]
            command += ["--log-level", "warning", "--lifespan", "off"]
        self.process = subprocess.Popen(command, env=env, cwd=ROOT)
        deadline = time.monotonic() + 300  # a loaded machine may take minutes to import Django
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the server did not start")

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)


def seeded_emails(args: argparse.Namespace) -> dict[str, list[str]]:
    """Who signs in: light clients spread over the range (half admins, half members), the heavy members with
    their company admins, and other light clients for the floor. ``kabinet seed`` numbers clients from 1; the
    heavy ones are the members (second client) of the first ``--heavy`` companies."""
    count = args.concurrency
    heavy_companies = range(args.heavy)
    first_light = args.heavy * CLIENTS_PER_COMPANY + 1
    light_numbers = list(range(first_light, args.clients + 1))
    step = max(1, len(light_numbers) // (2 * count))
    spread = light_numbers[::step]

    def pick(offset: int) -> list[int]:
        chosen = []
        for i in range(count):
            n = spread[(offset + i) % len(spread)]
            company_first = n - ((n - 1) % CLIENTS_PER_COMPANY)
            chosen.append(company_first if i % 2 == 0 else company_first + 1)  # admin, member
        return chosen

    heavy = [
        k * CLIENTS_PER_COMPANY + (2 if i % 2 else 1)
        for i, k in enumerate(heavy_companies[j % args.heavy] for j in range(count))
    ]

    def emails(numbers: list[int]) -> list[str]:
        return [f"client{n}@seed.kabinet.test" for n in numbers]

    return {"light": emails(pick(0)), "heavy": emails(heavy), "floor": emails(pick(count))}


async def measure(server: Server, args: argparse.Namespace, pages: list[str]) -> dict:
    """Every page in alternating rounds: floor, light, heavy, then the next page; the same again per round."""
    groups: dict[str, list[VirtualClient]] = {}
    for group, emails in seeded_emails(args).items():
        groups[group] = [
            VirtualClient(email=e, connection=Connection("127.0.0.1", server.port)) for e in emails
        ]
        for client in groups[group]:  # one at a time: each sign-in hashes the password with Argon2
            await client.sign_in(pages)
    samples = {page: {group: [] for group in GROUPS} for page in pages}
    for round_number in range(args.rounds):
        for page in pages:
            for group in GROUPS:
                path_key = "floor" if group == "floor" else page
                sample = await drive(groups[group], path_key, args.duration, args.warmup, server.pid)
                samples[page][group].append(sample)
            line = ", ".join(f"{g} {len(samples[page][g][-1]['latencies'])}" for g in GROUPS)
            print(f"    round {round_number + 1} {page:<14} answers: {line}", flush=True)
    for clients in groups.values():
        for client in clients:
            await client.connection.close()
    result = {}
    for page in pages:
        measured = {group: summary(samples[page][group]) for group in GROUPS}
        result[page] = {**measured, **ratios(measured)}
    return result


# --- Report ----------------------------------------------------------------------------------------------


def markdown(report: dict) -> str:
    config = report["config"]
    lines = [
        f"Kabinet portal benchmark — {report['started']}, commit {report.get('commit') or '?'}",
        "",
        f"Machine: {report['machine']['cpus']} CPU cores, {report['machine']['platform']}, Python "
        f"{report['machine']['python']}, load average {report['machine']['load_before']} at the start. Server: "
        f"{config['server']}, {config['workers']} workers. {config['concurrency']} signed-in connections per group "
        "(each "
        f"its own session); per page {config['rounds']} rounds of {config['duration']} s (after "
        f"{config['warmup']} s of warm-up) for each of floor, light and heavy, taking turns. Data: "
        f"{config['clients']} clients × 10 orders with papers, tickets, chat, notifications and files; "
        f"{config['heavy']} heavy clients with {config['heavy_size']} of each. Load generator on the same machine.",
        "",
        "Ratios: **rps ÷ floor** = the page's throughput over the floor page's; **CPU: floor ÷ page** = the "
        "floor's server CPU per request over the page's (both ≥ 0.5 is the goal); **p95 heavy ÷ light** = the "
        "p95 latency of heavy clients over light ones (≤ 1.2 is the goal).",
        "",
    ]
    for run_ in report["runs"]:
        title = "SQLite (embedded mode)" if run_["db"] == "sqlite" else "PostgreSQL + Redis (scaled mode)"
        lines += [f"### {title}", ""]
        lines += [
            "| page | floor rps | page rps | rps ÷ floor | floor CPU ms/req | page CPU ms/req | CPU: floor ÷ page "
            "| p95 light, ms | p95 heavy, ms | p95 heavy ÷ light |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        errors = 0
        for page, m in run_["pages"].items():
            lines.append(
                f"| {page} | {m['floor']['rps']} | {m['light']['rps']} | **{m['rps_vs_floor']:.2f}** | "
                f"{m['floor']['cpu_ms_per_request']} | {m['light']['cpu_ms_per_request']} | "
                f"**{m['cpu_vs_floor']:.2f}** | {m['light']['p95_ms']} | {m['heavy']['p95_ms']} | "
                f"**{m['p95_heavy_vs_light']:.2f}** |"
            )
            errors += sum(m[g]["errors"] for g in GROUPS)
        lines += ["", f"Errors (non-200 answers): {errors}.", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated, from: " + ", ".join(PAGES))
    parser.add_argument("--clients", type=int, default=1000, help="light clients seeded (10 orders each)")
    parser.add_argument("--heavy", type=int, default=2, help="heavy clients seeded")
    parser.add_argument("--heavy-size", type=int, default=10_000, help="orders, tickets, messages... of each")
    parser.add_argument("--concurrency", type=int, default=16, help="signed-in connections per group")
    parser.add_argument(
        "--duration", type=float, default=3.0, help="seconds measured per page, group and round"
    )
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--server", choices=["uvicorn", "gunicorn"], default="uvicorn", help="HTTP server")
    parser.add_argument("--data-dir", default="/tmp/kabinet-bench")  # noqa: S108 - scratch databases
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kabinet_bench"),
    )
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"))
    parser.add_argument("--reuse", action="store_true", help="keep the databases seeded by an earlier run")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    unknown = sorted(set(pages) - set(PAGES))
    if unknown:
        parser.error(f"unknown pages: {', '.join(unknown)}")
    if args.heavy < 1 or args.clients < args.heavy * CLIENTS_PER_COMPANY + 4:
        parser.error("--heavy must be at least 1 and --clients leave light companies beside the heavy ones")
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    report = {
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_before": round(os.getloadavg()[0], 2),
        },
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip(),
        "config": {
            key: getattr(args, key)
            for key in (
                "server",
                "concurrency",
                "duration",
                "rounds",
                "warmup",
                "workers",
                "clients",
                "heavy",
                "heavy_size",
            )
        },
        "runs": [],
    }
    for db in databases:
        print(f"== {db}: preparing data", flush=True)
        data = prepare(db, args)
        server = Server(environment(db, args), args.workers, args.server)
        try:
            print(f"== {db}: measuring", flush=True)
            measured = asyncio.run(measure(server, args, pages))
        finally:
            server.stop()
        report["runs"].append({"db": db, "data": data, "pages": measured})
    report["machine"]["load_after"] = round(os.getloadavg()[0], 2)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = report["started"].replace(":", "").replace("-", "").replace("+0000", "")
    (out / f"portal-{stamp}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    (out / f"portal-{stamp}.md").write_text(markdown(report))
    print(markdown(report))
    return 0


def _stop(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # so that the servers started so far are stopped (``finally``)


if __name__ == "__main__":
    ensure_environment()
    signal.signal(signal.SIGTERM, _stop)
    sys.exit(main())
