"""What the fault suite breaks: its own PostgreSQL cluster and Redis server (never the machine's: they are
shared), a loopback SMTP server that can hold a message, and a full disk (a small tmpfs).

Everything listens on 127.0.0.1 on free ports and lives in the test's temporary folder.
"""

from __future__ import annotations

import email
import os
import shutil
import socket
import socketserver
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from glob import glob
from pathlib import Path

from kabinet.testing.processes import wait_until
from kabinet.testing.servers import free_port


def _as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: the tests (root in CI) run its tools as the ``postgres`` user."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def postgres_bin(name: str) -> str:
    found = sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
    return path


class ThrowawayPostgres:
    """A PostgreSQL cluster of the test's own (``initdb`` in a temporary folder), to stop and start at will.
    The folder is a fresh one under the system's temporary folder: pytest's own are closed to other users."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="kabinet-faults-pg-"))
        self.data = self.folder / "pgdata"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        subprocess.run(
            _as_postgres(
                [postgres_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/kabinet"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            _as_postgres(
                [postgres_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.folder / "log")]
                + ["-w", "start"]
            ),
            check=True,
            capture_output=True,
            timeout=60,
        )

    def stop(self, mode: str = "fast") -> None:
        """``fast``: connections are cut and open transactions rolled back; ``immediate``: a crash."""
        subprocess.run(
            _as_postgres([postgres_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"]),
            capture_output=True,
            timeout=60,
        )

    def create_database(self) -> None:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as c:
            c.execute("CREATE DATABASE kabinet")


@contextmanager
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    cluster = ThrowawayPostgres()
    try:
        cluster.start()
        cluster.create_database()
        yield cluster
    finally:
        cluster.stop("immediate")
        shutil.rmtree(cluster.folder, ignore_errors=True)


class ThrowawayRedis:
    """A Redis server of the test's own. It persists every write (AOF, fsync always), as a deployment that keeps
    its sessions in Redis must: killed with SIGKILL and started again, it comes back with its data."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.folder),
             "--save", "", "--appendonly", "yes", "--appendfsync", "always"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        import redis

        wait_until(lambda: redis.Redis.from_url(self.url).ping(), timeout=20, what="the test's Redis")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@contextmanager
def throwaway_redis(folder: Path) -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis(folder)
    server.start()
    try:
        yield server
    finally:
        server.kill()


class SmtpSink:
    """A loopback SMTP server that keeps what it accepted. ``hold_from=n``: from the n-th message on, it
    receives the message but withholds its "250 OK" until the client is gone or :meth:`release` is called.

    As for a real server, a message counts as accepted only once its OK was sent: a client killed while
    waiting for it has not handed the message over (RFC 5321 §6.1), and the sink drops it.
    """

    def __init__(self, *, hold_from: int | None = None) -> None:
        self.accepted: list[email.message.Message] = []
        self.dropped = 0
        self.hold_from = hold_from
        self.holding = threading.Event()
        self.released = threading.Event()
        self._lock = threading.Lock()
        self._received = 0
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            timeout = 60

            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")
                self.wfile.flush()

            def handle(self) -> None:
                self.reply("220 sink ESMTP")
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    verb = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
                    if verb == "EHLO":
                        self.reply("250-sink")
                        self.reply("250 8BITMIME")
                    elif verb in {"HELO", "MAIL", "RCPT", "RSET", "NOOP"}:
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 go ahead")
                        data = bytearray()
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data += chunk[1:] if chunk.startswith(b"..") else chunk
                        if not sink.take_message(bytes(data), self.connection):
                            return
                        self.reply("250 OK queued")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("502 not implemented")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def take_message(self, data: bytes, connection: socket.socket) -> bool:
        with self._lock:
            self._received += 1
            held = self.hold_from is not None and self._received >= self.hold_from
        if held:
            self.holding.set()
            while not self.released.wait(0.05):
                if _peer_gone(connection):
                    with self._lock:
                        self.dropped += 1
                    return False
        with self._lock:
            self.accepted.append(email.message_from_bytes(data))
        return True

    def release(self) -> None:
        self.hold_from = None
        self.released.set()

    def ids(self) -> list[str]:
        with self._lock:
            return [m["X-Kabinet-Id"] for m in self.accepted]

    def close(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()


def _peer_gone(connection: socket.socket) -> bool:
    """True when the client closed the connection (or died: the kernel closed it)."""
    try:
        connection.setblocking(False)
        try:
            return connection.recv(1, socket.MSG_PEEK) == b""
        finally:
            connection.setblocking(True)
    except BlockingIOError:
        return False
    except OSError:
        return True


@contextmanager
def full_disk(folder: Path, *, size: str = "256k") -> Iterator[Path]:
    """A tiny tmpfs mounted at ``folder`` (needs root, as in CI): writing past ``size`` fails with ENOSPC."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0777", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        for _ in range(20):
            if subprocess.run(["umount", str(folder)], capture_output=True).returncode == 0:
                break
            time.sleep(0.2)  # a process may still hold a file open there
        with suppress(OSError):
            folder.rmdir()


def can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None
