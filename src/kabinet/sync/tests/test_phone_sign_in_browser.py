"""In Chromium at 360 px: a client of a connected CRM signs in by the phone on his deal (no invitation),
lands in his cabinet, and his open order page follows a stage change made in the CRM."""

from __future__ import annotations

import threading

import pytest

from kabinet.accounts.tests.conftest import code_in
from kabinet.sync import engine
from kabinet.sync.models import Connection
from kabinet.testing.browser import MOBILE, assert_accessible, screenshot
from kabinet.testing.crm import connected

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pull_elsewhere(connection: Connection) -> None:
    """A pull as a job worker runs it: in a thread of its own (Playwright's loop owns the test's thread)."""
    from django.db import connection as db

    def run() -> None:
        try:
            engine.pull(Connection.objects.get(pk=connection.pk))
        finally:
            db.close()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()


def test_sign_in_by_the_phone_on_the_deal_then_the_order_page_follows_the_crm(live_url, page, sms_outbox):
    crm, connection = connected("browser")
    person = crm.add_contact("Анна", "Петрова", phones=["+7 916 123-45-67"])
    deal = crm.add_deal(
        "Поставка бумаги", pipeline_id="0", stage_id="NEW", amount="1500", contact_id=person.id
    )
    engine.pull(connection)
    Connection.objects.filter(pk=connection.pk).update(phone_sign_in=True)

    page.set_viewport_size(MOBILE)
    page.goto(live_url + "/accounts/login/")
    page.get_by_label("Email or phone").fill("8 916 123-45-67")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/accounts/login/code/confirm/")
    assert [m.to for m in sms_outbox] == ["+79161234567"]
    assert_accessible(page)
    page.get_by_label("Code").fill(code_in(sms_outbox[-1].text))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/accounts/consent/")  # his account has accepted no consent text yet
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    assert_accessible(page)
    # in his own language from here on (the account's): found by the field, not by its words
    page.locator('input[name="consent_accepted"]').check()
    page.locator("button.primary[type=submit]").click()
    page.wait_for_url(live_url + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]

    page.get_by_text("Поставка бумаги").first.click()  # one click from the dashboard
    page.locator("[data-order-stage]", has_text="Новая").wait_for()
    page.locator("html[data-live='on']").wait_for(state="attached")
    screenshot(page, "crm-phone-sign-in-order-360")
    crm.update_deal(deal.id, stage_id="WORK")
    pull_elsewhere(connection)  # what the CRM's webhook job does
    page.locator("[data-order-stage]", has_text="В работе").wait_for()  # no reload
    page.locator(".live-toast", has_text="В работе").wait_for()
    assert_accessible(page)
