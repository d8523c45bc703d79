"""Booking jobs: the reminders 24 h and 2 h before, every five minutes; unpaid holds released every minute."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kabinet.bookings.actions import release_expired_holds, send_due_reminders


@db_periodic_task(crontab(minute="*/5"))
def remind_bookings() -> int:
    return send_due_reminders(now=timezone.now())


@db_periodic_task(crontab(minute="*"))
def release_payment_holds() -> int:
    return release_expired_holds(now=timezone.now())
