"""The fault suite's stack: real server and worker processes on a data folder of the test's own, in embedded
mode (SQLite, Huey on SQLite) or scaled mode (a PostgreSQL cluster and a Redis server of the test's own).

Which mode runs follows the pass of ``.ci/run``: the scaled variants in the PostgreSQL + Redis pass
(``DATABASE_URL`` set), the embedded ones in the SQLite pass; ``KABINET_FAULT_MODES=embedded,scaled`` runs both.
The other mode's variants are deselected, not skipped. The machine's own PostgreSQL and Redis are never used:
they are shared, and these tests stop and kill their servers.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kabinet.testing.faults import ThrowawayPostgres, ThrowawayRedis, throwaway_postgres, throwaway_redis
from kabinet.testing.processes import kabinet, kabinet_env, python, run_kabinet, stop_session, wait_for_http
from kabinet.testing.servers import free_port

MODES = ("embedded", "scaled")


def pass_modes() -> set[str]:
    chosen = os.environ.get("KABINET_FAULT_MODES")
    if chosen:
        return {m.strip() for m in chosen.split(",") if m.strip()}
    return {"scaled"} if os.environ.get("DATABASE_URL") else {"embedded"}


def pytest_collection_modifyitems(config, items):
    here = str(Path(__file__).parent)
    wanted = pass_modes()
    keep, drop = [], []
    for item in items:
        mode = getattr(getattr(item, "callspec", None), "params", {}).get("mode")
        (drop if str(item.path).startswith(here) and mode and mode not in wanted else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@dataclass
class Stack:
    """One Kabinet installation made of real processes; everything it started is killed at the end."""

    mode: str
    folder: Path
    postgres: ThrowawayPostgres | None = None
    redis: ThrowawayRedis | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        env = kabinet_env(
            KABINET_DATA_DIR=str(self.folder / "data"),
            KABINET_SECRET_KEY="faults-" + self.folder.name,
            KABINET_JOBS_NAME="faults-" + self.folder.name,
            KABINET_JOB_LEASE_SECONDS="3",
            KABINET_NOTIFY_BATCH_DELAY="0",
            KABINET_DB_CONN_MAX_AGE="0",
        )
        if self.postgres is not None:
            env["DATABASE_URL"] = self.postgres.url
        if self.redis is not None:
            env["REDIS_URL"] = self.redis.url
        env.update(self.extra_env)
        return env

    def shell(self, code: str) -> str:
        return run_kabinet("shell", "--no-imports", "-c", code, env=self.env)

    def shell_json(self, code: str):
        return json.loads(self.shell(code).strip().splitlines()[-1])

    def server(self) -> str:
        """Start a web process (uvicorn, as deployed); its base URL once it answers."""
        port = free_port()
        log = self.folder / f"server-{port}.log"
        process = python(
            "-m", "uvicorn", "kabinet.config.asgi:application", "--host", "127.0.0.1", "--port", str(port),
            "--lifespan", "off", "--log-level", "warning", "--timeout-graceful-shutdown", "2",
            env=self.env, log=log,
        )  # fmt: skip
        self.processes.append(process)
        base = f"http://127.0.0.1:{port}"
        wait_for_http(base + "/healthz", process, log=log)
        return base

    def worker(self, *, threads: int = 1) -> subprocess.Popen:
        """Start a job worker (``kabinet run_huey``), as deployed in scaled mode."""
        log = self.folder / "worker.log"
        process = kabinet("run_huey", "--workers", str(threads), "--quiet", env=self.env, log=log)
        self.processes.append(process)
        return process

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-4000:] for p in sorted(self.folder.glob("*.log")))

    def stop(self) -> None:
        for process in self.processes:
            stop_session(process)


@pytest.fixture
def stack(request, tmp_path) -> Iterator[Stack]:
    """The installation in the mode the test is parametrized with (``mode``), migrated and empty."""
    mode = request.node.callspec.params["mode"]
    folder = tmp_path / uuid.uuid4().hex[:10]
    folder.mkdir()
    if mode == "scaled":
        with throwaway_postgres() as postgres, throwaway_redis(tmp_path / "redis") as redis:
            yield from _ready(Stack(mode=mode, folder=folder, postgres=postgres, redis=redis))
    else:
        yield from _ready(Stack(mode=mode, folder=folder))


def _ready(stack: Stack) -> Iterator[Stack]:
    run_kabinet("migrate", "-v", "0", env=stack.env)
    try:
        yield stack
    finally:
        stack.stop()
