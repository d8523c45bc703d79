"""Real Kabinet processes for the lifecycle and fault tests: start them, wait for them, find what is left.

Every process is started in a session of its own (``start_new_session``), so a test can list everything that
session still holds after the leader is gone — an orphan keeps its session id when re-parented to PID 1.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

# Variables of the test run that must not leak into a child Kabinet (its mode is what the test says).
_OWN = ("KABINET_", "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")


def kabinet_env(**extra: str) -> dict[str, str]:
    """The environment for a child ``kabinet`` process: the machine's, without the test run's Kabinet settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OWN)}
    env["PYTHONUNBUFFERED"] = "1"
    env["KABINET_LOG_LEVEL"] = "WARNING"
    env.update(extra)
    return env


def kabinet(*args: str, env: dict[str, str], log: Path | None = None, **popen: Any) -> subprocess.Popen:
    """Start ``python -m kabinet.cli <args>`` in a session of its own (output to ``log`` when given)."""
    return python("-m", "kabinet.cli", *args, env=env, log=log, **popen)


def python(*args: str, env: dict[str, str], log: Path | None = None, **popen: Any) -> subprocess.Popen:
    """Start ``python <args>`` (this interpreter) in a session of its own (output to ``log`` when given)."""
    out = open(log, "ab") if log is not None else subprocess.DEVNULL  # noqa: SIM115 — the child owns it
    try:
        return subprocess.Popen(
            [sys.executable, *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **popen,
        )
    finally:
        if log is not None:
            out.close()


def run_kabinet(*args: str, env: dict[str, str], timeout: float = 300) -> str:
    """Run a ``kabinet`` command to its end; its output, or an AssertionError with it."""
    done = subprocess.run(
        [sys.executable, "-m", "kabinet.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def wait_until(check: Callable[[], Any], *, timeout: float, what: str, interval: float = 0.1) -> Any:
    """Poll ``check`` until it answers something true (returned); fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        with suppress(Exception):
            result = check()
            if result:
                return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 — loopback test URLs only
        return response.status == 200


def wait_for_http(
    url: str, process: subprocess.Popen, *, timeout: float = 120, log: Path | None = None
) -> None:
    """Wait until ``url`` answers 200; fail early (with the log) when the process died."""

    def ready() -> bool:
        if process.poll() is not None:
            text = log.read_text(errors="replace") if log is not None and log.exists() else ""
            raise AssertionError(f"the process exited with {process.returncode} before serving\n{text}")
        return http_ok(url)

    deadline = time.monotonic() + timeout
    while True:
        try:
            if ready():
                return
        except AssertionError:
            raise
        except Exception:  # noqa: S110 — not listening yet
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not answer within {timeout:.0f} s")
        time.sleep(0.2)


def session_members(sid: int) -> list[int]:
    """Every live (not zombie) process whose session id is ``sid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp session ... — comm may hold spaces, so split after the last ')'
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[3]) == sid:
            found.append(int(entry.name))
    return found


def stop_session(process: subprocess.Popen) -> None:
    """Kill whatever is left of a process's session (test clean-up; the leader's pid is its session id)."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


@contextmanager
def running(process: subprocess.Popen) -> Iterator[subprocess.Popen]:
    """Make sure the process and its session are gone when the block ends, however it ends."""
    try:
        yield process
    finally:
        stop_session(process)
