"""Jobs: deliver outgoing webhooks, and sweep for due retries every minute."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kabinet.webhooks import delivery, inbox


@db_task()
def deliver_webhook(delivery_id: int) -> str:
    return delivery.deliver(delivery_id)


def schedule_deliveries(delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        deliver_webhook(delivery_id)


@db_periodic_task(crontab(minute="*"))
def sweep_webhooks() -> None:
    """Retries that are due, and anything a worker that died mid-job left pending."""
    for delivery_id in delivery.due_deliveries(timezone.now()):
        deliver_webhook(delivery_id)
    for event_id in inbox.due_events(timezone.now()):
        process_inbox_event(event_id)


@db_task()
def process_inbox_event(event_id: int) -> str:
    return inbox.process(event_id)
