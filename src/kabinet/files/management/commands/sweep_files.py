"""``kabinet sweep_files [--clean] [--grace-minutes N]``: report (and remove) orphan files and file rows."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from kabinet.files.sweep import sweep_files


class Command(BaseCommand):
    help = "Report files on disk that no row references and rows whose file is missing; --clean removes them."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--clean", action="store_true", help="delete the orphans and the rows nothing needs"
        )
        parser.add_argument(
            "--grace-minutes",
            type=int,
            default=60,
            help="files younger than this are uploads still in progress, never orphans (default 60)",
        )

    def handle(self, *args: Any, clean: bool, grace_minutes: int, **options: Any) -> None:
        report = sweep_files(now=timezone.now(), grace=datetime.timedelta(minutes=grace_minutes), clean=clean)
        for name in report.orphan_files:
            self.stdout.write(f"orphan file: {name}{' (removed)' if name in report.removed_files else ''}")
        for public_id in report.missing_rows:
            state = (
                " (row removed)"
                if public_id in report.removed_rows
                else " (kept: a document or invoice needs it)"
                if public_id in report.kept_rows
                else ""
            )
            self.stdout.write(f"file missing for row {public_id}{state}")
        self.stdout.write(
            f"{len(report.orphan_files)} orphan files, {len(report.missing_rows)} rows without their file"
        )
