"""The mobile shell in Chromium: a compact header, the bottom bar with its badges, "More" as a sheet (and as a
page without JavaScript), language and sign-out in the account menu; at 360 px and 1280 px, in ru and en.

At 360 px only 3 of 11 sections used to be visible, the badges of Messages, Tickets and Notifications were
off-screen and the header took 164 px with «Выйти» on a line of its own.
"""

from __future__ import annotations

import pytest

from kabinet.demo.data import DEMO_PASSWORD, load_demo
from kabinet.testing.browser import (
    DESKTOP,
    MOBILE,
    assert_accessible,
    choose_language,
    open_account_menu,
    screenshot,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BADGES_ARRIVED = "#nav-badge-notifications:not(:empty)"  # a locator: waits outside the page, allowed by the CSP


def fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def counts(page) -> dict[str, int]:
    """The counters the page received (the sidebar's copies hold them even where the sidebar is hidden)."""
    return page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('[id^=nav-badge-]')]"
        ".map(e => [e.id.slice(10), Number(e.textContent || 0)]))"
    )


@pytest.mark.parametrize("language", ["ru", "en"])
def test_phone_shell_bottom_bar_badges_more_sheet_and_account_menu(live_url, page, language):
    load_demo()
    page.set_viewport_size(MOBILE)
    sign_in(page, live_url, "anna@demo.kabinet.test", DEMO_PASSWORD)
    page.wait_for_url(live_url + "/")
    choose_language(page, language)
    page.locator(BADGES_ARRIVED).wait_for(state="attached")

    header = page.locator("header.topbar").bounding_box()
    assert header["height"] <= 60  # one compact row (it was 164 px)
    assert not page.locator("nav.mainnav").is_visible()
    bar = page.locator("nav.bottombar")
    assert bar.is_visible()
    entries = bar.locator("a")
    assert 4 <= entries.count() <= 5
    for index in range(entries.count()):  # every entry fully on screen, above the fold, tappable
        box = entries.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= MOBILE["width"] + 0.5
        assert box["y"] + box["height"] <= MOBILE["height"] + 0.5 and box["height"] >= 44
    # Every counter is visible somewhere on the phone: on its bar entry, on the bell, or summed on "More".
    received = counts(page)
    assert received.get("messages", 0) + received.get("tickets", 0) + received.get("notifications", 0) > 0
    in_bar = {key: bar.locator(f'a[data-bar="{key}"]').count() == 1 for key in received}
    for key, count in received.items():
        if not count:
            continue
        if key == "notifications":
            shown = page.locator("a.bell .badge")
        elif in_bar[key]:
            shown = bar.locator(f'a[data-bar="{key}"] .badge')
        else:
            shown = bar.locator('a[data-bar="more"] .badge')
        assert shown.is_visible(), key
    assert (
        bar.locator('a[data-bar="messages"]').is_visible()
        and bar.locator('a[data-bar="tickets"]').is_visible()
    )
    fits(page, MOBILE["width"])
    assert_accessible(page)
    screenshot(page, f"shell-home-{language}-360", full_page=False)

    # "More": a sheet over the page with the other sections, closed with Escape.
    bar.locator('a[data-bar="more"]').click()
    sheet = page.locator("#more-sheet")
    assert sheet.is_visible()
    assert sheet.locator('a[data-more="invoices"]').is_visible()
    assert sheet.locator('a[data-more="history"]').is_visible()
    assert page.evaluate("document.activeElement.closest('#more-sheet') !== null")  # focus moved into it
    assert_accessible(page)
    screenshot(page, f"shell-more-sheet-{language}-360", full_page=False)
    page.keyboard.press("Escape")
    assert not sheet.is_visible()
    bar.locator('a[data-bar="more"]').click()
    sheet.locator('a[data-more="invoices"]').click()
    page.wait_for_url(live_url + "/invoices/")
    assert page.locator('nav.bottombar a[data-bar="more"][aria-current="page"]').count() == 1

    # The account menu holds the language, my account and sign-out.
    open_account_menu(page)
    menu = page.locator("details.account-menu .account-panel")
    assert menu.locator("#language-switch").is_visible()
    assert menu.get_by_role("button", name="Выйти" if language == "ru" else "Sign out").is_visible()
    assert menu.get_by_role(
        "link", name="Моя учётная запись" if language == "ru" else "My account"
    ).is_visible()
    fits(page, MOBILE["width"])
    assert_accessible(page)
    screenshot(page, f"shell-account-menu-{language}-360", full_page=False)
    page.keyboard.press("Escape")
    assert not menu.is_visible()
    open_account_menu(page)
    menu.get_by_role("button", name="Выйти" if language == "ru" else "Sign out").click()
    page.wait_for_load_state()
    assert "/accounts/login/" in page.url or page.locator("details.account-menu").count() == 0


def test_keyboard_order_on_a_phone_skip_link_header_then_content_then_bar(live_url, page):
    load_demo()
    page.set_viewport_size(MOBILE)
    sign_in(page, live_url, "anna@demo.kabinet.test", DEMO_PASSWORD)
    page.wait_for_url(live_url + "/")
    page.locator("body").focus()
    order = []
    for _ in range(4):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.className || document.activeElement.tagName"))
    assert order[:4] == ["skip", "brand", "bell", "SUMMARY"]
    page.keyboard.press("Enter")  # opens the account menu
    assert page.locator("details.account-menu[open]").count() == 1


def test_without_javascript_more_is_a_page_and_the_menu_still_works(live_url, browser):
    load_demo()
    context = browser.new_context(viewport=MOBILE, locale="en-US", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_url, "anna@demo.kabinet.test", DEMO_PASSWORD)
        page.locator('nav.bottombar a[data-bar="more"]').click()
        page.wait_for_url(live_url + "/more/")
        assert page.locator('main a[data-more="invoices"]').is_visible()
        page.locator('main a[data-more="invoices"]').click()
        page.wait_for_url(live_url + "/invoices/")
        page.locator("details.account-menu summary").click()  # <details> opens without JavaScript
        assert page.locator("details.account-menu #language-switch").is_visible()
        screenshot(page, "shell-no-js-account-menu-360", full_page=False)
    finally:
        context.close()


def test_wide_screen_keeps_the_sidebar_and_hides_the_phone_bar(live_url, page):
    load_demo()
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_url, "anna@demo.kabinet.test", DEMO_PASSWORD)
    page.wait_for_url(live_url + "/")
    page.locator(BADGES_ARRIVED).wait_for(state="attached")
    assert page.locator("nav.mainnav").is_visible()
    assert page.locator("nav.mainnav a").count() >= 10
    assert not page.locator("nav.bottombar").is_visible() and not page.locator("a.bell").is_visible()
    assert page.locator("header.topbar").bounding_box()["height"] <= 64
    open_account_menu(page)
    assert page.locator("details.account-menu #language-switch").is_visible()
    fits(page, DESKTOP["width"])
    assert_accessible(page)
    screenshot(page, "shell-home-1280")
