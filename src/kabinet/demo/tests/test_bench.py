"""``bench/run.py`` runs end to end for a few seconds, so that it cannot silently rot again (it once posted a
sign-in form that no longer existed). Nothing here asserts a time: only that every page and the floor were
served to signed-in clients, light and heavy, and that the report holds every ratio."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
RUN = ROOT / "bench" / "run.py"

pytestmark = pytest.mark.slow


def test_bench_signs_in_and_measures_every_page_against_the_floor(tmp_path):
    command = [sys.executable, str(RUN), "--db", "sqlite", "--clients", "12", "--heavy", "1"]
    command += ["--heavy-size", "30", "--concurrency", "2", "--workers", "1", "--rounds", "1"]
    command += ["--duration", "0.3", "--warmup", "0.1", "--data-dir", str(tmp_path / "data")]
    command += ["--out", str(tmp_path / "out")]
    # A generous bound so a stuck server fails the test instead of hanging the suite; not a measurement.
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-4000:]
    (result,) = (tmp_path / "out").glob("portal-*.json")
    report = json.loads(result.read_text())
    (run,) = report["runs"]
    pages = run["pages"]
    assert set(pages) == {
        "dashboard", "orders", "order detail", "documents", "invoices", "tickets", "ticket detail", "chat",
        "history", "notifications", "files",
    }  # fmt: skip
    for name, page in pages.items():
        for group in ("floor", "light", "heavy"):
            assert page[group]["requests"] > 0, (name, group)
            assert page[group]["errors"] == 0, (name, group)
        assert page["rps_vs_floor"] > 0 and page["p95_heavy_vs_light"] > 0, name
    assert sum(page["light"]["cpu_ms_per_request"] for page in pages.values()) > 0
    table = (tmp_path / "out" / result.name.replace(".json", ".md")).read_text()
    assert all(f"| {name} |" in table for name in pages)
