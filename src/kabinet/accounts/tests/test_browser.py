"""In Debian's Chromium, on the demo data: every way in, the code arriving through the test email and SMS
backends, sign-up with consent, the keyboard-layout warning, and the pages at 360 px."""

from __future__ import annotations

import pytest
from django.core import mail

from kabinet.accounts.tests.conftest import code_in
from kabinet.demo.data import DEMO_PASSWORD, load_demo
from kabinet.testing.browser import DESKTOP, MOBILE, open_account_menu, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(live_url):
    load_demo()
    mail.outbox.clear()
    return live_url


def fits(page, viewport) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the page scrolls sideways at {viewport['width']} px"


def start(page, base: str, login: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email or phone").fill(login)
    page.get_by_role("button", name="Continue").click()


@pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["desktop", "mobile"])
def test_email_and_password(demo, page, viewport):
    page.set_viewport_size(viewport)
    start(page, demo, "anna@demo.kabinet.test")
    fits(page, viewport)
    screenshot(page, f"sign-in-password-{viewport['width']}")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(demo + "/")
    assert page.get_by_text("ООО «Ромашка»").first.is_visible()


@pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["desktop", "mobile"])
def test_one_time_code_by_email(demo, page, viewport):
    page.set_viewport_size(viewport)
    start(page, demo, "ivan@demo.kabinet.test")
    page.get_by_role("button", name="Email me a one-time code").click()
    page.wait_for_url("**/accounts/login/code/confirm/")
    fits(page, viewport)
    screenshot(page, f"sign-in-code-{viewport['width']}")
    page.get_by_label("Code").fill(code_in(mail.outbox[-1].body))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(demo + "/")
    # signed in as Ivan: his current orders, none of Anna's
    from kabinet.crm.models import Order

    ivan_open = Order.objects.filter(contact__user__email="ivan@demo.kabinet.test", closed_at__isnull=True)
    assert page.locator(".order-card").count() == ivan_open.count() > 0


def test_one_time_code_by_sms_to_the_phone_on_the_contact(demo, page, sms_outbox):
    start(page, demo, "8 921 345-67-89")  # Boris's phone, typed the Russian way
    page.wait_for_url("**/accounts/login/code/confirm/")
    assert [m.to for m in sms_outbox] == ["+79213456789"]
    page.get_by_label("Code").fill(code_in(sms_outbox[-1].text))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(demo + "/")
    assert page.get_by_text("ООО «Северный ветер»").first.is_visible()


def test_wrong_code_gets_a_clear_message(demo, page):
    start(page, demo, "anna@demo.kabinet.test")
    page.get_by_role("button", name="Email me a one-time code").click()
    real = code_in(mail.outbox[-1].body)
    page.get_by_label("Code").fill("000000" if real != "000000" else "111111")
    page.get_by_role("button", name="Confirm").click()
    assert "The code is not correct" in page.get_by_role("alert").first.inner_text()


def test_password_field_warns_about_the_keyboard_layout(demo, page):
    start(page, demo, "anna@demo.kabinet.test")
    page.get_by_label("Password").press_sequentially("лфиштуе")
    hint = page.locator(".layout-hint")
    hint.wait_for(state="visible")
    assert "Russian letters" in hint.inner_text()
    page.get_by_label("Password").fill("kabinet")
    assert hint.is_hidden()


@pytest.mark.parametrize("viewport", [MOBILE], ids=["mobile"])
def test_sign_up_with_consent_then_signed_in(demo, page, viewport):
    page.set_viewport_size(viewport)
    page.goto(demo + "/accounts/login/")
    page.get_by_role("link", name="Create an account").click()
    assert "I agree that" in page.locator(".consent-text").inner_text()
    page.get_by_label("Your name").fill("Олег Новиков")
    page.get_by_label("Email").fill("oleg@example.test")
    page.get_by_label("Password", exact=True).fill("orange-kettle-42")
    page.get_by_label("Password again").fill("orange-kettle-42")
    page.get_by_role("button", name="Sign up").click()
    assert "accept the consent text" in page.get_by_role("alert").first.inner_text()
    page.get_by_label("Password", exact=True).fill("orange-kettle-42")
    page.get_by_label("Password again").fill("orange-kettle-42")
    page.get_by_label("I accept the consent text above").check()
    fits(page, viewport)
    screenshot(page, f"sign-up-{viewport['width']}")
    page.get_by_role("button", name="Sign up").click()
    page.get_by_label("Code").fill(code_in(mail.outbox[-1].body))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(demo + "/")
    open_account_menu(page)
    assert page.get_by_role("link", name="My account").is_visible()


def test_account_page_at_360_px(demo, page):
    page.set_viewport_size(MOBILE)
    start(page, demo, "anna@demo.kabinet.test")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(demo + "/")
    open_account_menu(page)  # on a phone, the account menu holds my account, the language and sign-out
    page.get_by_role("link", name="Моя учётная запись").click()  # Anna's own language is Russian
    assert page.get_by_role("heading", name="Моя учётная запись").is_visible()
    fits(page, MOBILE)
    screenshot(page, "account-360")


def test_a_staff_member_created_in_the_back_office_gets_through_the_first_sign_in(
    live_url, browser, page, settings
):
    """Issue 10 item 1: from the account's creation by an admin to the first page of the back office.

    The new account's email is unverified; allauth refuses two-factor until it is proven, so the first
    sign-in proves it by a code inside the flow, then sets up the authenticator app.
    """
    from kabinet.testing import factories as f
    from kabinet.testing.browser import open_session_as
    from kabinet.testing.totp import totp_code

    settings.MFA_TOTP_TOLERANCE = 1
    admin = f.StaffFactory(is_superuser=True, email="root@example.test")
    open_session_as(page, live_url, admin)
    page.goto(live_url + "/admin/accounts/user/add/")
    page.locator("#id_email").fill("new.manager@example.test")
    page.locator("#id_full_name").fill("Новый Менеджер")
    page.locator("#id_is_staff").check()
    page.locator("#id_password1").fill("a-long-first-passphrase-7")
    page.locator("#id_password2").fill("a-long-first-passphrase-7")
    page.locator("input[name=_save]").click()
    page.wait_for_load_state()
    assert "/admin/accounts/user/" in page.url

    manager = browser.new_context(viewport=MOBILE, locale="en-US").new_page()
    manager.set_default_timeout(10_000)
    mail.outbox.clear()
    manager.goto(live_url + "/accounts/login/")
    manager.get_by_label("Email or phone").fill("new.manager@example.test")
    manager.get_by_role("button", name="Continue").click()
    manager.get_by_label("Password").fill("a-long-first-passphrase-7")
    manager.get_by_role("button", name="Sign in", exact=True).click()
    manager.wait_for_url("**/accounts/confirm-email/**")
    screenshot(manager, "staff-first-sign-in-email-code-360")
    manager.locator("input[name=code]").fill(code_in(mail.outbox[-1].body))
    # the new account speaks the portal's default language (Russian): buttons are found by their form
    manager.locator("form:has(input[name=code]) button[type=submit]").first.click()
    manager.wait_for_url("**/accounts/2fa/totp/activate/")
    secret = manager.locator("#authenticator_secret").input_value()
    manager.locator("input[name=code]").fill(totp_code(secret))
    manager.locator("form:has(input[name=code]) button[type=submit]").first.click()
    manager.wait_for_url("**/accounts/2fa/recovery-codes/**")
    manager.goto(live_url + "/admin/")
    assert manager.url == live_url + "/admin/"
    assert manager.locator("#content h1").first.is_visible()
    assert manager.locator("#site-name").first.is_visible()
    screenshot(manager, "staff-first-sign-in-back-office-360")
    manager.context.close()


def test_sessions_page_at_360_px_ends_one_chosen_session(demo, browser, page):
    """Issue 10 item 16: device, browser, place and last activity, and ending one session, on a phone."""
    iphone = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.4 Mobile/15E148 Safari/604.1"
    )
    other = browser.new_context(viewport=MOBILE, locale="en-US", user_agent=iphone).new_page()
    other.set_default_timeout(10_000)
    for tab in (other, page):
        start(tab, demo, "anna@demo.kabinet.test")
        tab.get_by_label("Password").fill(DEMO_PASSWORD)
        tab.get_by_role("button", name="Sign in", exact=True).click()
        tab.wait_for_url(demo + "/")
    page.set_viewport_size(MOBILE)
    page.goto(demo + "/accounts/sessions/")
    assert page.get_by_text("iPhone").first.is_visible() and page.get_by_text("iOS 17.4").first.is_visible()
    fits(page, MOBILE)
    screenshot(page, "sessions-360")
    page.get_by_role("button", name="Завершить этот сеанс (Mobile Safari 17.4 · iOS 17.4)").click()
    page.wait_for_url(demo + "/accounts/sessions/")
    assert page.get_by_text("iPhone").count() == 0
    other.goto(demo + "/")
    assert "/accounts/login/" in other.url  # the iPhone was signed out on the server
    other.context.close()
