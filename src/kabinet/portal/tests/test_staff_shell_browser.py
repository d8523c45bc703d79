"""The staff shell in Chromium at 360 px and 1280 px: the manager lands on his start page with his queues,
reaches the inbox in one tap and reads the client's card with phones, emails, company, role and links."""

from __future__ import annotations

import pytest

from kabinet.accounts.models import User
from kabinet.demo.data import load_demo
from kabinet.testing.browser import (
    DESKTOP,
    MOBILE,
    assert_accessible,
    open_section,
    open_session_as,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["360", "1280"])
def test_manager_start_page_queues_inbox_and_client_card(live_url, page, viewport):
    load_demo()
    manager = User.objects.get(email="manager@demo.kabinet.test")
    page.set_viewport_size(viewport)
    open_session_as(page, live_url, manager)
    page.goto(live_url + "/")
    page.wait_for_url(live_url + "/staff/")
    queues = page.locator("[data-queue]")
    assert queues.count() == 4  # chats, tickets, orders, signatures: the demo manager may open all four
    assert page.locator('[data-queue="inbox"] .queue-count').is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert_accessible(page)
    screenshot(page, f"staff-start-{viewport['width']}", full_page=False)

    open_section(page, "inbox")  # the bottom bar on a phone, the sidebar on a wide screen
    page.wait_for_url(live_url + "/staff/inbox/")
    page.locator(".inbox a[href^='/staff/inbox/']").first.click()
    card = page.locator("aside.client-card")
    card.locator("a[href^='tel:']").first.wait_for()
    assert card.locator("a[href^='mailto:']").count() >= 1
    assert card.get_by_text("ООО «Ромашка»").first.is_visible() or card.get_by_text("ООО").first.is_visible()
    for target in ("/admin/crm/order/?contact__id__exact=", "/admin/billing/invoice/?contact__id__exact="):
        assert card.locator(f"a[href^='{target}']").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, f"staff-client-card-{viewport['width']}")
