"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os

import pytest

from kabinet.testing.browser import CHROMIUM, CHROMIUM_ARGS, chromium_available
from kabinet.testing.matrix import build_world
from kabinet.testing.notices import recording_notices
from kabinet.testing.servers import asgi_server
from kabinet.testing.sms import memory_sms_outbox

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI nothing may skip: a missing service or browser is a failure, not a skip."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which is not allowed: {report.longrepr}"


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Uploaded files of each test go to its own folder; passwords hash fast unless a test asks for Argon2;
    the cache starts empty (cached settings snapshots must not leak from one test into the next); jobs run
    inline."""
    from django.core.cache import cache

    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]
    # Jobs run inline in memory (delayed ones wait in memory): tests never touch a real queue.
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: cached settings (the portal's branding...) must not outlive the
    database rows of the test that wrote them."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the portal's default language. A request leaves its reader's language active in
    the thread, and translated model fields write to the active language: without this, what a test writes
    would depend on the test that ran before it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def world(db):
    """The cross-client world of the access matrix (two companies, all roles, one object of each kind)."""
    return build_world()


@pytest.fixture
def notices():
    """Every notice sent during the test (``kabinet.core.notify``), in order."""
    with recording_notices() as sent:
        yield sent


@pytest.fixture
def sms_outbox(settings):
    """Every text sent during the test, through the offline ``memory`` SMS provider (pinned for the test)."""
    settings.KABINET_SMS_PROVIDER = "memory"
    with memory_sms_outbox() as sent:
        yield sent


@pytest.fixture
def live_url(transactional_db):
    """Base URL of Kabinet served by uvicorn in a thread, on the test database."""
    with asgi_server() as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not chromium_available():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _keep_the_notification_backend():
    """A test that swaps the notification backend cannot leave the next tests without one."""
    from kabinet.core import notify

    backend = notify._backend
    yield
    notify.set_backend(backend)
