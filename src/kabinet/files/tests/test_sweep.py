"""The orphan-file sweep: bytes no row names, rows without their bytes; reported, and cleaned on request."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from kabinet.core.models import AuditEntry
from kabinet.files.actions import store_bytes
from kabinet.files.models import ClientFile
from kabinet.files.sweep import sweep_files
from kabinet.testing import factories as f

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%sweep\n"
LATER = datetime.timedelta(hours=2)  # every file written by the test is older than the grace by then


def _stored(**kwargs) -> ClientFile:
    return store_bytes(actor=None, name="scan.pdf", data=PDF, company=None, contact=None, **kwargs)


def _storage():
    return ClientFile._meta.get_field("file").storage


def test_the_sweep_reports_then_removes_orphans_and_rows_without_their_file():
    kept = _stored()
    lost = _stored()
    _storage().delete(lost.file.name)  # a disk fault, a restore from an older backup
    protected = _stored()
    f.DocumentFactory(file=protected)
    _storage().delete(protected.file.name)
    orphan = _storage().save("client-files/zz/left-by-a-killed-upload", ContentFile(PDF))

    report = sweep_files(now=timezone.now() + LATER)
    assert report.orphan_files == [orphan]
    assert sorted(report.missing_rows) == sorted([lost.public_id, protected.public_id])
    assert _storage().exists(orphan) and ClientFile.objects.count() == 3  # a report changes nothing

    cleaned = sweep_files(now=timezone.now() + LATER, clean=True)
    assert cleaned.removed_files == [orphan] and not _storage().exists(orphan)
    assert cleaned.removed_rows == [lost.public_id] and cleaned.kept_rows == [protected.public_id]
    assert set(ClientFile.objects.values_list("pk", flat=True)) == {kept.pk, protected.pk}
    assert _storage().exists(kept.file.name)
    assert AuditEntry.objects.filter(event="file.sweep").count() == 1
    again = sweep_files(now=timezone.now() + LATER, clean=True)
    assert again.orphan_files == [] and again.missing_rows == [protected.public_id]


def test_a_file_younger_than_the_grace_is_an_upload_in_flight_not_an_orphan():
    name = _storage().save("client-files/zz/being-uploaded", ContentFile(PDF))
    report = sweep_files(now=timezone.now(), clean=True)  # written just now: within the hour's grace
    assert report.orphan_files == [] and _storage().exists(name)


def test_the_command_prints_the_report_and_cleans_with_clean(capsys):
    lost = _stored()
    _storage().delete(lost.file.name)
    call_command("sweep_files", "--grace-minutes", "0")
    out = capsys.readouterr().out
    assert f"file missing for row {lost.public_id}" in out and "1 rows without their file" in out
    assert ClientFile.objects.filter(pk=lost.pk).exists()
    call_command("sweep_files", "--clean", "--grace-minutes", "0")
    assert "(row removed)" in capsys.readouterr().out
    assert not ClientFile.objects.filter(pk=lost.pk).exists()


def test_downloading_a_row_whose_file_is_gone_answers_404_not_500(world):
    _storage().delete(world.file.file.name)
    answer = world.client_for("owner").get(f"/files/{world.file.public_id}/")
    assert answer.status_code == 404
