"""The install is pinned: uv.lock fixes every package with hashes, and dev.py re-syncs when the lock changes."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]


def load_dev():
    spec = importlib.util.spec_from_file_location("kabinet_dev_script", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_locked_package_from_the_registry_has_a_version_and_hashes():
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    packages = [p for p in lock["package"] if "registry" in p.get("source", {})]
    assert len(packages) > 50
    for package in packages:
        files = [*package.get("wheels", []), *([package["sdist"]] if "sdist" in package else [])]
        assert package.get("version"), package["name"]
        assert files and all(f.get("hash", "").startswith("sha256:") for f in files), package["name"]


def test_uv_itself_is_bootstrapped_from_pinned_hashes():
    lines = (ROOT / "tools" / "uv-requirements.txt").read_text().splitlines()
    assert any(line.startswith("uv==") for line in lines)
    assert sum("--hash=sha256:" in line for line in lines) >= 5  # one per platform's wheel


def test_the_install_stamp_follows_the_lock(tmp_path, monkeypatch):
    dev = load_dev()
    lock, project = tmp_path / "uv.lock", tmp_path / "pyproject.toml"
    lock.write_text("version = 1\n")
    project.write_text("[project]\n")
    monkeypatch.setattr(dev, "LOCK", lock)
    monkeypatch.setattr(dev, "ROOT", tmp_path)
    monkeypatch.setattr(dev, "VENV", tmp_path / "venv")
    monkeypatch.setattr(dev, "PYTHON", tmp_path / "venv" / "python")
    (tmp_path / "venv").mkdir()
    dev.PYTHON.write_text("")
    synced = []
    monkeypatch.setattr(dev, "ensure_uv", lambda: None)
    monkeypatch.setattr(dev, "uv", lambda *args: synced.append(args))
    dev.ensure_environment("test")
    assert synced == [("sync", "--locked", "--quiet", "--extra", "test")]
    dev.ensure_environment("test")
    assert len(synced) == 1  # nothing changed: no second sync
    lock.write_text("version = 1\n# a new pin\n")
    dev.ensure_environment("test")
    assert len(synced) == 2  # the lock changed: synced again, even though pyproject.toml did not
