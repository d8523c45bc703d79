"""A client books, reschedules and cancels at 360 px, in Russian, English and Polish, from the start page; the
pages pass axe-core. Runs on the demo data (the demo's branch, services and specialists)."""

from __future__ import annotations

import pytest

from kabinet.demo.data import DEMO_PASSWORD, load_demo
from kabinet.testing.browser import MOBILE, assert_accessible, choose_language, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "book": "Book a service",
        "service": "Legal consultation",
        "confirm": "Book",
        "booked": "Booked. We are looking forward to seeing you.",
        "change": "Change the time",
        "move": "Move to this time",
        "moved": "The booking is moved.",
        "cancel": "Cancel the booking",
        "cancelled": "The booking is cancelled.",
    },
    "ru": {
        "book": "Записаться",
        "service": "Консультация юриста",
        "confirm": "Записаться",
        "booked": "Вы записаны. Будем рады вас видеть.",
        "change": "Перенести",
        "move": "Перенести на это время",
        "moved": "Запись перенесена.",
        "cancel": "Отменить запись",
        "cancelled": "Запись отменена.",
    },
    "pl": {
        "book": "Zarezerwuj usługę",
        "service": "Konsultacja prawna",
        "confirm": "Zarezerwuj",
        "booked": "Zarezerwowano. Czekamy na Ciebie.",
        "change": "Zmień termin",
        "move": "Przenieś na ten termin",
        "moved": "Rezerwacja została przeniesiona.",
        "cancel": "Odwołaj rezerwację",
        "cancelled": "Rezerwacja została odwołana.",
    },
}


def sign_in(page, live_url: str, email: str, language: str) -> None:
    page.goto(live_url + "/")
    page.get_by_label("Email or phone").fill(email)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(live_url + "/")
    if page.locator("html").get_attribute("lang") != language:
        choose_language(page, language)


def fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], f"{page.url} scrolls sideways ({width} px)"


def pick_a_time(page) -> None:
    """A date at least two days ahead (outside the cancellation window), then its first free time."""
    page.locator(".day-picker a").nth(2).click()
    page.wait_for_load_state()
    page.locator(".slot-grid a").first.click()
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["ru", "en", "pl"])
def test_book_reschedule_and_cancel_on_a_phone(live_url, page, language):
    load_demo()
    words = WORDS[language]
    page.set_viewport_size(MOBILE)
    sign_in(page, live_url, "ivan@demo.kabinet.test", language)
    assert page.locator('[data-card="bookings"]').is_visible()  # his upcoming visit on the start page

    # Click 1: the quick action; click 2: the service; click 3: a time (after choosing the date).
    page.locator(".quick-actions").get_by_role("link", name=words["book"]).click()
    page.get_by_role("link", name=words["service"]).click()
    fits(page)
    assert_accessible(page)
    screenshot(page, f"bookings-slots-{language}-360")
    pick_a_time(page)
    fits(page)
    page.get_by_role("button", name=words["confirm"], exact=True).click()
    assert page.get_by_text(words["booked"]).is_visible()
    fits(page)
    assert_accessible(page)
    screenshot(page, f"bookings-detail-{language}-360")

    page.get_by_role("link", name=words["change"]).click()
    pick_a_time(page)
    page.get_by_role("button", name=words["move"]).click()
    assert page.get_by_text(words["moved"]).is_visible()

    page.get_by_role("button", name=words["cancel"]).click()
    assert page.get_by_text(words["cancelled"]).is_visible()
    fits(page)
