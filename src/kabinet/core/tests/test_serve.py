"""``kabinet serve``: in scaled mode gunicorn for HTTP and uvicorn for WebSockets, stopped together on SIGTERM;
in embedded mode one uvicorn for both (the in-process channel layer needs the sockets and the requests in one
process)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answer(port: int, deadline: float) -> int:
    """The status of GET /healthz once the server listens (polled until ``deadline``)."""
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                return response.status
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_serve_runs_http_and_websocket_servers_and_stops_both(tmp_path):
    http, ws = free_port(), free_port()
    env = {**os.environ, "KABINET_DATA_DIR": str(tmp_path), "KABINET_LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/7")  # scaled mode's channel layer and sessions
    command = [sys.executable, "-m", "kabinet.cli", "serve", "--port", str(http), "--ws-port", str(ws)]
    server = subprocess.Popen([*command, "--workers", "1"], env=env)
    try:
        deadline = time.monotonic() + 300  # a bound against a hang, not a measurement
        assert answer(http, deadline) == 200  # gunicorn (WSGI)
        assert answer(ws, deadline) == 200  # uvicorn (ASGI: the same application, sockets included)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=120) == 0
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", http), timeout=2).close()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_embedded_mode_serves_everything_from_one_asgi_process(tmp_path):
    http, ws = free_port(), free_port()
    env = {**os.environ, "KABINET_DATA_DIR": str(tmp_path), "KABINET_LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    command = [sys.executable, "-m", "kabinet.cli", "serve", "--port", str(http), "--ws-port", str(ws)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert answer(http, time.monotonic() + 300) == 200
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", ws), timeout=2).close()  # no second server
        server.send_signal(signal.SIGTERM)
        out, _ = server.communicate(timeout=120)
        assert server.returncode == 0 and "one uvicorn process" in out
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
