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


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Keep a screenshot as a test artifact (``test-artifacts/screenshots``); ``full_page=False`` shows the
    screen as the person sees it (fixed bars where they are)."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
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


def open_account_menu(page) -> None:
    """Open the header's account menu (language, my account, sign out) unless it is open."""
    menu = page.locator("details.account-menu")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()


def choose_language(page, language: str) -> None:
    """Switch the interface language through the account menu (signed in) or the header (signed out)."""
    if page.locator("details.account-menu").count():
        open_account_menu(page)
    current = page.locator("html").get_attribute("lang")
    page.locator("#language-switch").select_option(language)
    if current != language:
        page.locator(f"html[lang='{language}']").wait_for(state="attached")  # no eval under the CSP


def open_section(page, key: str) -> None:
    """Follow a section of the menu the way a person would at this width: the sidebar or top menu on a wide
    screen; on a phone the bottom bar, the bell, or the "More" sheet."""
    for selector in (
        f'nav.mainnav a[data-nav="{key}"]',
        f'nav.bottombar a[data-bar="{key}"]',
        "a.bell" if key == "notifications" else "",
    ):
        if selector and page.locator(selector).is_visible():
            page.locator(selector).click()
            page.wait_for_load_state()
            return
    page.locator('nav.bottombar a[data-bar="more"]').click()
    page.locator(f'#more-sheet a[data-more="{key}"]').click()
    page.wait_for_load_state()


def assert_accessible(page) -> None:
    """axe-core (through axe-playwright-python) finds no violation on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
