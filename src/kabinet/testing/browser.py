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


def sign_in(page, live_url: str, email: str, password: str) -> None:
    """Sign in through the real sign-in page: "email or phone" first, then the password."""
    page.goto(live_url + "/accounts/login/")
    page.get_by_label("Email or phone").fill(email)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_load_state()


def open_session_as(page, live_url: str, user) -> None:
    """Give the browser a signed-in session without the sign-in pages (for staff in journeys whose subject
    is not signing in: staff two-factor is tested in kabinet/accounts/tests)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_url}])
