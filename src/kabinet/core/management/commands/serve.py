"""``kabinet serve``: the production web processes in one command, the way they measured best.

HTTP goes to gunicorn's sync (WSGI) workers, which measured more requests per second and a lower p95 than
uvicorn for the same pages (docs/benchmark.md); WebSockets (``/ws/``) go to one uvicorn (ASGI) process, which
holds thousands of idle sockets in one event loop (docs/benchmarks-chat.md). The reverse proxy sends ``/ws/``
to ``--ws-port`` and everything else to ``--port`` (docs/deployment.md). ``--asgi-only`` serves both from one
uvicorn instead, for a machine without a proxy in front.

In embedded mode (no ``REDIS_URL``) the channel layer lives inside one process, so the request that sends a
chat message and the sockets that show it must share it: there ``serve`` always runs one uvicorn process for
both. ``--with-jobs`` also runs the job consumer (``kabinet run_huey``), so the embedded mode is one command.

This command only starts and stops its processes: migrations and the demo data belong to ``kabinet migrate``
and ``kabinet demo``.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve HTTP with gunicorn (sync workers) and WebSockets with uvicorn, until stopped."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000, help="HTTP (gunicorn)")
        parser.add_argument("--ws-port", type=int, default=8001, help="WebSockets (uvicorn)")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
        parser.add_argument(
            "--asgi-only", action="store_true", help="one uvicorn for HTTP and WebSockets on --port"
        )
        parser.add_argument("--with-jobs", action="store_true", help="also run the job consumer")

    def handle(
        self, *args: Any, host: str, port: int, ws_port: int, workers: int, asgi_only: bool, **options
    ):
        if not settings.REDIS_URL and not asgi_only:
            self.stdout.write("Embedded mode (no REDIS_URL): one uvicorn process serves HTTP and WebSockets.")
            asgi_only = True
        uvicorn = [sys.executable, "-m", "uvicorn", "kabinet.config.asgi:application", "--host", host]
        commands = [[*uvicorn, "--port", str(port if asgi_only else ws_port), "--lifespan", "off"]]
        if not asgi_only:
            commands.insert(
                0,
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "kabinet.config.wsgi:application",
                    "--bind",
                    f"{host}:{port}",
                ]
                + ["--workers", str(workers)],
            )
        if options["with_jobs"]:
            commands.append([sys.executable, "-m", "kabinet.cli", "run_huey"])
        children = [subprocess.Popen(command) for command in commands]
        stopping = False

        def stop(signum: int, _frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(
            f"HTTP and WebSockets on http://{host}:{port}"
            if asgi_only
            else f"HTTP on http://{host}:{port} (gunicorn, {workers} workers), WebSockets on {host}:{ws_port} (uvicorn)"
        )
        # Either server ending (a crash, a bad port) stops the other: a supervisor then restarts both.
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.5)
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
        failed = [child.returncode for child in children if child.returncode not in (0, -signal.SIGTERM)]
        if failed and not stopping:
            sys.exit(1)
