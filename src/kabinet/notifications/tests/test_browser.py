"""The notification centre in a phone-sized browser: list, mark all read, preferences; no sideways scroll."""

from __future__ import annotations

import re

import pytest

from kabinet.testing import factories as f
from kabinet.testing.browser import MOBILE, assert_accessible, open_section, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_centre_and_preferences_at_360_px(live_url, page):
    company = f.CompanyFactory()
    user = f.client_user(company=company, email="notified@example.test")
    for number in ("00017", "00018"):
        f.NotificationFactory(
            contact=user.contact, company=company, params={"number": number, "stage": "Доставка"}
        )
    page.set_viewport_size(MOBILE)
    sign_in(page, live_url, user.email, f.PASSWORD)
    page.wait_for_url(live_url + "/")
    # the navigation's badges arrive right after the page
    # the badges arrive right after the page; on a phone the bell in the header carries this one
    # locator waits run outside the page, so the strict CSP (no eval) does not stop them
    page.locator("a.bell [data-badge=notifications]", has_text=re.compile(r"^2$")).wait_for(state="attached")
    assert page.locator("a.bell .badge").is_visible() and page.locator("a.bell .badge").inner_text() == "2"
    open_section(page, "notifications")
    assert page.locator(".notice.unread").count() == 2
    assert page.get_by_text("Order №00018 moved to the stage “Доставка”").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    screenshot(page, "notifications-360")
    page.get_by_role("button", name="Mark all as read").click()
    assert page.locator(".notice.unread").count() == 0
    page.get_by_role("link", name="Notification settings").click()
    email_for_documents = page.get_by_label("New document: Email")
    assert not email_for_documents.is_checked()
    email_for_documents.check()
    page.get_by_role("button", name="Save").click()
    assert page.get_by_text("Your notification settings were saved.").is_visible()
    assert page.get_by_label("New document: Email").is_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    assert page.locator(".push-card button:visible").count() == 1  # on or off, never both
    # One card per kind with labelled switches: «Электронная почта» once broke letter by letter here.
    labels = page.locator(".pref-card .switch-label")
    assert labels.count() >= 4
    for index in range(labels.count()):
        box = labels.nth(index).evaluate(
            "e => ({lines: Math.round(e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight)),"
            " overflow: e.scrollWidth > e.clientWidth})"
        )
        assert box == {"lines": 1, "overflow": False}, labels.nth(index).inner_text()
    assert_accessible(page)
    screenshot(page, "notification-settings-360")
