"""``kabinet demo`` stops everything it runs, however it is stopped, and runs once per data folder.

The demo is started as a real process in a session of its own; after it is stopped, no process of that session
may remain (an orphaned job consumer would keep the session id while re-parented to PID 1).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest

from kabinet.testing.processes import (
    kabinet,
    kabinet_env,
    run_kabinet,
    running,
    session_members,
    wait_for_http,
    wait_until,
)
from kabinet.testing.servers import free_port

pytestmark = [pytest.mark.slow, pytest.mark.faults]

NOTIFY = """
from django.db import transaction
from kabinet.accounts.models import User
from kabinet.core.notify import Notice, notify
anna = User.objects.get(email="anna@demo.kabinet.test").contact
with transaction.atomic():
    notify(Notice(event="invoice.issued", contact_id=anna.pk, company_id=anna.memberships.get().company_id,
                  params={"number": "LIFE-1"}, url="/invoices/"))
"""
# This test's own email (the demo data queued others, which the demo sends too, in any order).
SENT = (
    "SELECT count(*) FROM notifications_delivery d JOIN notifications_notification n ON n.id = d.notification_id"
    " WHERE d.channel = 'email' AND d.status = 'sent' AND n.params LIKE '%LIFE-1%'"
)


def emails_sent(folder: Path) -> int:
    """Read straight from the demo's SQLite file: a ``kabinet shell`` per poll is slow on a busy machine."""
    with closing(sqlite3.connect(folder / "kabinet.sqlite3", timeout=20)) as db:
        return db.execute(SENT).fetchone()[0]


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory) -> Path:
    """A data folder with the demo loaded once (each test's demo then starts in a few seconds)."""
    folder = tmp_path_factory.mktemp("demo-lifecycle")
    env = kabinet_env(KABINET_DATA_DIR=str(folder))
    run_kabinet("migrate", "-v", "0", env=env)
    run_kabinet(
        "shell", "--no-imports", "-c", "from kabinet.demo.data import load_demo; load_demo()", env=env
    )
    return folder


def start_demo(folder: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = kabinet("demo", "--port", str(port), "--data-dir", str(folder), env=kabinet_env(), log=log)
    base = f"http://127.0.0.1:{port}"
    wait_for_http(base + "/healthz", process, log=log)
    return process, base


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGKILL], ids=str)
def test_no_process_of_the_demo_survives_its_stop(demo_folder, tmp_path, how):
    log = tmp_path / "demo.log"
    process, _base = start_demo(demo_folder, log)
    with running(process):
        assert session_members(process.pid) == [process.pid]  # server and job consumer in one process
        os.kill(process.pid, how)  # the leader only, as a service manager or `kill <pid>` does
        code = process.wait(timeout=30)
        # every process of the demo's session is gone at once: nothing was re-parented to PID 1
        assert session_members(process.pid) == []
    if how == signal.SIGKILL:
        assert code == -signal.SIGKILL
    else:
        assert code == 0, log.read_text()  # a requested stop is a clean exit for service managers


def test_the_demo_runs_its_jobs_in_its_own_process(demo_folder, tmp_path):
    log = tmp_path / "demo.log"
    process, _base = start_demo(demo_folder, log)
    env = kabinet_env(KABINET_DATA_DIR=str(demo_folder))
    with running(process):
        run_kabinet("shell", "--no-imports", "-c", NOTIFY, env=env)  # enqueues the email job
        wait_until(
            lambda: emails_sent(demo_folder) == 1,
            timeout=180,
            interval=0.5,
            what="the demo's job consumer to send the email",
        )


def test_a_second_demo_on_the_same_data_folder_refuses_to_start(demo_folder, tmp_path):
    process, base = start_demo(demo_folder, tmp_path / "first.log")
    with running(process):
        second = subprocess.run(
            [*kabinet_cmd(), "demo", "--port", str(free_port()), "--data-dir", str(demo_folder)],
            env=kabinet_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode != 0
        assert "already running on the data folder" in second.stderr
        assert str(process.pid) in second.stderr
        assert wait_for_http(base + "/healthz", process) is None  # the first one is untouched
    # once the first is gone, the folder is free again (the kernel dropped its lock with the process)
    again, _ = start_demo(demo_folder, tmp_path / "again.log")
    with running(again):
        os.kill(again.pid, signal.SIGTERM)
        assert again.wait(timeout=30) == 0


def kabinet_cmd() -> list[str]:
    import sys

    return [sys.executable, "-m", "kabinet.cli"]
