"""Jobs of the notification centre."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from kabinet.notifications import actions


@db_task(retries=5, retry_delay=60)
def deliver_notification(notification_id: int) -> None:
    """Deliver a notification's pending batch through the outside channels (retried on temporary failure)."""
    actions.deliver_outside(notification_id=notification_id)
