"""Running async socket scenarios from sync tests, even after Playwright left an event loop in the thread."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import async_to_sync


def run_async(scenario: Callable[..., Awaitable[Any]], *args: Any) -> Any:
    """Run ``scenario(*args)`` to completion in a fresh thread (its own loop; sync DB work stays in it)."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["result"] = async_to_sync(scenario)(*args)
        except BaseException as exc:  # noqa: BLE001 — re-raised in the test's thread below
            outcome["error"] = exc
        finally:
            from django.db import connections

            connections.close_all()  # this thread's connections, so the test database can be dropped

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout=120)
    if thread.is_alive():
        raise TimeoutError("the socket scenario did not finish in 120 s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")
