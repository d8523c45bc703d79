"""Browser journey on the demo data: sign in and see the orders, at desktop width and at 360 px."""

from __future__ import annotations

import pytest

from kabinet.demo.data import DEMO_PASSWORD, load_demo
from kabinet.testing.browser import DESKTOP, MOBILE, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["desktop", "mobile"])
def test_client_signs_in_and_sees_his_orders(live_url, page, viewport):
    load_demo()
    page.set_viewport_size(viewport)
    page.goto(live_url + "/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Email or phone").fill("ivan@demo.kabinet.test")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(live_url + "/")
    cards = page.locator(".order-card")
    assert cards.count() == 4  # Ivan is a member: he sees his own four orders, not Anna's
    assert page.get_by_text("ООО «Ромашка»").first.is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the page scrolls sideways at {viewport['width']} px"
    screenshot(page, f"home-ivan-{viewport['width']}")


def test_wrong_password_gets_a_clear_message(live_url, page):
    load_demo()
    page.goto(live_url + "/accounts/login/")
    page.get_by_label("Email or phone").fill("anna@demo.kabinet.test")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    assert page.get_by_role("alert").inner_text().strip() == "The email or password is not correct."
