"""A visitor without an account books on the public page at 360 px with an SMS code, in Russian, English and
Polish, and cancels; the pages pass axe-core. Runs on the demo data (its branch has the public page on)."""

from __future__ import annotations

import pytest

from kabinet.bookings.models import Booking
from kabinet.bookings.tests.test_browser import WORDS, fits
from kabinet.demo.data import load_demo
from kabinet.testing.browser import MOBILE, assert_accessible, choose_language, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONES = {"ru": "8 916 555-01-01", "en": "+7 916 555-01-02", "pl": "+48 512 345 678"}
E164 = {"ru": "+79165550101", "en": "+79165550102", "pl": "+48512345678"}


@pytest.mark.parametrize("language", ["ru", "en", "pl"])
def test_a_visitor_books_with_an_sms_code_on_a_phone(live_url, page, sms_outbox, language):
    load_demo()
    words = WORDS[language]
    page.set_viewport_size(MOBILE)
    page.goto(live_url + "/book/")
    if page.locator("html").get_attribute("lang") != language:
        choose_language(page, language)
    fits(page)
    assert_accessible(page)
    page.get_by_role("link", name=words["service"]).click()
    page.locator(".day-picker a").nth(2).click()
    page.wait_for_load_state()
    page.locator(".slot-grid a").first.click()
    page.wait_for_load_state()
    page.locator("#id_name").fill("Мария Новикова")
    page.locator("#id_phone").fill(PHONES[language])
    fits(page)
    assert_accessible(page)
    screenshot(page, f"bookings-public-confirm-{language}-360")
    page.locator("form button.primary").click()
    page.wait_for_url("**/book/verify/")
    assert len(sms_outbox) == 1
    page.locator("#id_code").fill(sms_outbox[-1].text.split()[0])
    fits(page)
    assert_accessible(page)
    page.locator("form button.primary").click()
    page.wait_for_url("**/book/mine/**")
    assert page.get_by_text(words["booked"]).is_visible()
    fits(page)
    assert_accessible(page)
    screenshot(page, f"bookings-public-booked-{language}-360")
    assert sms_outbox[-1].to == E164[language]
    booking = Booking.objects.get(contact__phones__phone=E164[language])
    assert booking.status == "confirmed" and booking.company is None
    page.get_by_role("button", name=words["cancel"]).click()
    assert page.get_by_text(words["cancelled"]).is_visible()
    booking.refresh_from_db()
    assert booking.status == "cancelled"
