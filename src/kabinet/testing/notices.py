"""Recording the notices that actions send (``kabinet.core.notify``), for tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kabinet.core import notify
from kabinet.core.notify import Notice


@contextmanager
def recording_notices() -> Iterator[list[Notice]]:
    """Install a backend that keeps every notice in a list; the previous backend comes back afterwards."""
    previous = notify._backend
    sent: list[Notice] = []
    notify.set_backend(sent.append)
    try:
        yield sent
    finally:
        notify.set_backend(previous)
