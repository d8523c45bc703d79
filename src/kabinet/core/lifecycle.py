"""Process lifecycle of the commands that run Kabinet's services together (``kabinet demo``, and any combined
command built on it): the web server and the job consumer live in **one process**, so nothing can outlive it.

Why not a child process for the consumer: the demo used to start ``kabinet run_huey`` beside uvicorn and stop
it in a ``finally:`` block. That block never ran on SIGTERM or SIGHUP: uvicorn (0.29 and later) records the
signal, shuts down, then re-raises it with ``signal.raise_signal`` (``Server.capture_signals``), and the
default action of those signals ends the process at once. The consumer was left behind, re-parented to PID 1,
and no ``finally:`` could ever help against a SIGKILL of the parent.

Here uvicorn runs in a thread (uvicorn installs no signal handlers outside the main thread), Huey's consumer
runs its worker and scheduler threads in the same process (``Consumer.start``/``Consumer.stop``, Huey's
public API), and the main thread owns SIGTERM, SIGINT and SIGHUP: it asks the server to finish its requests,
lets running jobs finish (bounded), and returns. A SIGKILL ends every thread with the process.

:func:`exclusive_data_folder` makes a second copy on the same data folder refuse to start: two consumers on one
queue and two servers on one SQLite file are what the lock prevents. The lock is an ``flock`` on a file in the
data folder, so the kernel releases it when the holder dies, however it dies.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
LOCK_NAME = ".kabinet.lock"


class DataFolderBusy(Exception):
    """Another Kabinet process holds the data folder."""

    def __init__(self, folder: Path, holder: str) -> None:
        self.folder, self.holder = folder, holder
        who = f"process {holder}" if holder else "another process"
        super().__init__(
            f"Kabinet is already running on the data folder {folder} ({who}). Stop it first, "
            f"or choose another folder with --data-dir."
        )


@contextmanager
def exclusive_data_folder(folder: Path) -> Iterator[Path]:
    """Hold the data folder for this process, or raise :class:`DataFolderBusy` at once (never waits)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            raise DataFolderBusy(folder, holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the lock (the kernel does it too if we die)


class StopRequest:
    """The stop signals, turned into an event the main thread waits on."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signum: int | None = None
        self._previous: dict[int, object] = {}

    def _handle(self, signum: int, frame: object) -> None:
        self.signum = signum
        self.event.set()

    def install(self) -> None:
        for signum in STOP_SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)

    def restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)


def start_job_consumer(*, shutdown_timeout: float = 10.0):
    """Start Huey's consumer (workers and scheduler as threads of this process); returns it, running.

    Call from the main thread (Huey installs its signal handlers there; :func:`run_services` replaces them).
    """
    from django.conf import settings
    from django.utils.module_loading import autodiscover_modules
    from huey.consumer_options import ConsumerConfig
    from huey.contrib.djhuey import HUEY

    options = dict(settings.HUEY.get("consumer", {})) if isinstance(settings.HUEY, dict) else {}
    options["worker_type"] = "thread"  # processes or greenlets would be children or would patch the server
    # Past this, a graceful stop interrupts running jobs (at-least-once: they run again, docs/reliability.md).
    options["shutdown_timeout"] = shutdown_timeout
    autodiscover_modules("tasks")
    config = ConsumerConfig(**options)
    config.validate()
    consumer = HUEY.create_consumer(**config.values)
    consumer.start()
    return consumer


def run_services(
    *,
    app: str = "kabinet.config.asgi:application",
    host: str = "127.0.0.1",
    port: int = 8000,
    jobs: bool = True,
    log_level: str = "info",
    shutdown_timeout: float = 20.0,
) -> int:
    """Serve ``app`` with uvicorn and, with ``jobs``, run the job consumer, both in this process, until a
    stop signal (SIGTERM, SIGINT, SIGHUP) or until the server stops by itself. Returns the exit status:
    0 after a requested stop, 1 when the server ended on its own (it could not bind the port...)."""
    import uvicorn

    stop = StopRequest()
    consumer = start_job_consumer(shutdown_timeout=shutdown_timeout / 2) if jobs else None
    stop.install()  # after the consumer: its handlers are replaced by ours, one owner for every signal
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        proxy_headers=False,
        lifespan="off",
        timeout_graceful_shutdown=max(1, int(shutdown_timeout / 2)),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="kabinet-web", daemon=True)
    thread.start()
    try:
        while not stop.event.wait(0.5):
            if not thread.is_alive():
                break
    finally:
        stopped_by_signal = stop.event.is_set()
        if stopped_by_signal:
            logger.info("Kabinet: %s received, stopping", signal.Signals(stop.signum).name)
        server.should_exit = True
        thread.join(timeout=shutdown_timeout)
        if consumer is not None:
            consumer.stop(graceful=True)
            consumer.huey.notify_interrupted_tasks()
        stop.restore()
    return 0 if stopped_by_signal else 1
