"""File jobs: the nightly orphan sweep."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kabinet.files.sweep import sweep_files


@db_periodic_task(crontab(hour="3", minute="17"))
def sweep_orphan_files() -> int:
    """Every night: remove bytes no row names (older than an hour) and rows whose file is gone (docs/reliability.md)."""
    report = sweep_files(now=timezone.now(), clean=True)
    return len(report.removed_files) + len(report.removed_rows)
