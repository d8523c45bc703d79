"""Jobs of the notification centre."""

from __future__ import annotations

import threading

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from kabinet.notifications import actions


@db_task(retries=5, retry_delay=60)
def deliver_notification(notification_id: int) -> None:
    """Deliver a notification's pending batch through the outside channels (retried on temporary failure)."""
    actions.deliver_outside(notification_id=notification_id)


@db_periodic_task(crontab(minute="*"))
def recover_deliveries() -> None:
    """Every minute: re-queue the deliveries whose job was lost (a worker killed mid-job)."""
    actions.recover_deliveries()


_recovered_at_start = threading.Lock()


@HUEY.on_startup()
def recover_deliveries_at_start() -> None:
    """A consumer that starts (often: restarts after a crash) picks up the work its predecessor left at once,
    not a minute later. Huey calls startup hooks in every worker thread; once per process is enough."""
    if not _recovered_at_start.acquire(blocking=False):
        return
    from django.db import close_old_connections

    try:
        actions.recover_deliveries()
    finally:
        close_old_connections()
