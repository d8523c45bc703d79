"""Signing's jobs: reminders before the deadline, once a day; pending timestamps, every 30 minutes."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kabinet.signing import actions


@db_periodic_task(crontab(minute="0", hour="8"))
def remind_signers() -> int:
    return actions.send_reminders(now=timezone.now())


@db_periodic_task(crontab(minute="*/30"))
def add_pending_timestamps() -> int:
    """Seals made while the timestamp server was away get their timestamp once it answers again."""
    return actions.add_pending_timestamps(now=timezone.now())
