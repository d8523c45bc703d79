"""Playwright on Debian's Chromium (a downloaded browser cannot be fetched here)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CHROMIUM = os.environ.get("KABINET_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(os.environ.get("KABINET_TEST_ARTIFACTS", "test-artifacts"))
MOBILE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None


def screenshot(page, name: str) -> Path:
    """Keep a screenshot as a test artifact (``test-artifacts/screenshots``)."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
