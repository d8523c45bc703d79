"""The orphan-file sweep: bytes on disk that no row names, and rows whose bytes are gone.

``store_file`` writes the bytes before the row and removes them when the row fails, but a process killed
between the two (or a transaction rolled back after the upload, or a restore of the database from an older
backup) still leaves files nobody can reach; a restore of the files from an older backup, or a disk fault,
leaves rows whose download has nothing to send. The sweep finds both (``kabinet sweep_files``, and a daily
job), reports them and, when asked to clean, deletes the unreachable bytes and the rows nothing needs.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import ProtectedError

from kabinet.core.audit import record_audit
from kabinet.files.models import ClientFile

logger = logging.getLogger(__name__)
ROOT = "client-files"  # where ``private_upload_path`` puts every stored file
DEFAULT_GRACE = datetime.timedelta(hours=1)
BATCH = 500


@dataclass
class SweepReport:
    """What the sweep found, and what it removed (``clean``)."""

    orphan_files: list[str] = field(default_factory=list)  # storage names no row references
    missing_rows: list[str] = field(default_factory=list)  # public ids of rows whose file is gone
    removed_files: list[str] = field(default_factory=list)
    removed_rows: list[str] = field(default_factory=list)
    kept_rows: list[str] = field(default_factory=list)  # missing, but a document or invoice needs the row

    @property
    def clean(self) -> bool:
        return not (self.orphan_files or self.missing_rows)


def _walk(storage: Storage, folder: str) -> Iterator[str]:
    if not storage.exists(folder):
        return
    folders, files = storage.listdir(folder)
    for name in sorted(files):
        yield f"{folder}/{name}"
    for sub in sorted(folders):
        yield from _walk(storage, f"{folder}/{sub}")


def _batches(names: Iterator[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for name in names:
        batch.append(name)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def sweep_files(
    *,
    now: datetime.datetime,
    grace: datetime.timedelta = DEFAULT_GRACE,
    clean: bool = False,
    actor: Any = None,
) -> SweepReport:
    """Find (and with ``clean`` remove) orphan files and rows without their file.

    A file on disk younger than ``grace`` (by its modification time, compared with ``now``) is never an
    orphan: an upload writes its bytes before its row commits. A row without its file is removed only when
    nothing protects it (a document's or an invoice's file is kept and reported: restore it from a backup).
    Costs one query per 500 files on disk and one pass over the rows' names."""
    storage = ClientFile._meta.get_field("file").storage
    report = SweepReport()
    for batch in _batches(_walk(storage, ROOT)):
        known = set(ClientFile.objects.filter(file__in=batch).values_list("file", flat=True))
        for name in batch:
            if name in known or storage.get_modified_time(name) > now - grace:
                continue
            report.orphan_files.append(name)
            if clean:
                storage.delete(name)
                report.removed_files.append(name)
    missing = [
        (pk, public_id)
        for pk, public_id, name in ClientFile.objects.values_list("pk", "public_id", "file").iterator(BATCH)
        if not name or not storage.exists(name)
    ]
    report.missing_rows = [public_id for _, public_id in missing]
    if clean:
        for pk, public_id in missing:
            try:
                with transaction.atomic():
                    row = ClientFile.objects.get(pk=pk)
                    row.delete()
                    record_audit(event="file.row_removed", actor=actor, target=None, file=public_id)
                report.removed_rows.append(public_id)
            except ProtectedError:
                report.kept_rows.append(public_id)
    if report.orphan_files or report.missing_rows:
        logger.warning(
            "file sweep: %d orphan files, %d rows without their file (cleaned: %s)",
            len(report.orphan_files),
            len(report.missing_rows),
            clean,
            extra={"orphans": report.orphan_files[:50], "missing": report.missing_rows[:50]},
        )
    if clean and (report.removed_files or report.removed_rows):
        record_audit(
            event="file.sweep",
            actor=actor,
            removed_files=len(report.removed_files),
            removed_rows=len(report.removed_rows),
            kept_rows=report.kept_rows[:50],
        )
    return report
