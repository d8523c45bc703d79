"""Browser journeys on the demo data, at desktop width and at 360 px, with screenshots kept as artifacts.

Every page visited is checked for sideways scrolling; every action is reached from the start page.
"""

from __future__ import annotations

import re

import pytest

from kabinet.demo.data import DEMO_PASSWORD, load_demo
from kabinet.testing.browser import DESKTOP, MOBILE, choose_language, open_section, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
POLISH_MONTHS = (
    "stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada grudnia"
)
POLISH_MONTHS = POLISH_MONTHS.split()
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["desktop", "mobile"])


def sign_in(page, live_url: str, email: str, language: str = "en") -> None:
    """Sign in (the demo accounts speak Russian) and switch to ``language`` with the header's switch."""
    page.goto(live_url + "/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Email or phone").fill(email)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(live_url + "/")
    if page.locator("html").get_attribute("lang") != language:
        choose_language(page, language)


def fits(page, viewport) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{page.url} scrolls sideways at {viewport['width']} px ({width} px)"


def go(page, nav_key: str) -> None:
    """Follow a main-menu entry: the sidebar on a wide screen, the bottom bar or "More" on a phone."""
    open_section(page, nav_key)


@VIEWPORTS
def test_member_follows_an_order_confirms_the_offer_and_pays_attention_to_invoices(live_url, page, viewport):
    load_demo()
    size = viewport["width"]
    page.set_viewport_size(viewport)
    sign_in(page, live_url, "ivan@demo.kabinet.test")
    # The start page: Ivan is a member and sees his own current orders, not Anna's.
    cards = page.locator('[data-card="orders"] .order-card')
    assert cards.count() == 3
    assert page.get_by_text("ООО «Ромашка»").first.is_visible()
    assert page.locator('[data-card="invoices"]').get_by_text("Overdue").first.is_visible()
    assert page.get_by_role("link", name="Download the last invoice").is_visible()
    fits(page, viewport)
    screenshot(page, f"01-home-ivan-{size}")

    # One click to the order that waits for his decision; the stage path is in plain words.
    page.locator('[data-card="orders"] .order-card', has_text="Your decision is needed").get_by_role(
        "link"
    ).first.click()
    assert page.get_by_role("heading", name="Your decision is needed").is_visible()
    assert page.locator('.stage-path li[aria-current="step"]').inner_text().startswith("Agreeing the terms")
    fits(page, viewport)
    screenshot(page, f"02-order-decision-{size}")
    page.get_by_label("Comment (optional)").fill("Согласовано с директором")
    page.get_by_role("button", name="Confirm").click()
    assert page.get_by_text("Thank you! We have received your confirmation.").is_visible()
    assert page.locator('.stage-path li[aria-current="step"]').inner_text().startswith("Awaiting payment")
    assert page.get_by_text("Согласовано с директором").is_visible()
    screenshot(page, f"03-order-confirmed-{size}")

    # The order list: search and the status filter.
    go(page, "orders")
    page.get_by_label("Search", exact=True).fill("ОБУЧЕНИЕ")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/orders/?q=*")  # the filtered page itself, not the list it replaces
    assert page.locator(".order-card").count() == 1
    page.get_by_label("Status").select_option("won")
    page.get_by_label("Search", exact=True).fill("")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**status=won*")
    assert page.locator(".order-card").count() == 1
    fits(page, viewport)
    screenshot(page, f"04-orders-{size}")

    # Invoices: the overdue one explains itself, the PDF and paying are one click away.
    go(page, "invoices")
    page.get_by_label("Status").select_option("overdue")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**status=overdue*")
    page.locator(".row .title a").first.click()
    assert page.get_by_text("The due date has passed.").is_visible()
    assert page.get_by_role("link", name="Open the PDF").is_visible()
    assert page.get_by_role("link", name="Pay online").is_visible()  # a way to pay, not a dead button
    assert page.locator("main button").count() == 0
    fits(page, viewport)
    screenshot(page, f"05-invoice-overdue-{size}")

    # Documents: his act, downloadable.
    go(page, "documents")
    assert page.get_by_text("Акт выполненных работ № 118").is_visible()
    with page.expect_download() as download:
        page.locator(".row", has_text="Акт выполненных работ № 118").get_by_role(
            "link", name="Download"
        ).click()
    assert download.value.suggested_filename == "Акт выполненных работ.pdf"
    fits(page, viewport)
    screenshot(page, f"06-documents-{size}")

    # History: the confirmation is there, filterable by kind.
    go(page, "history")
    page.get_by_label("Show").select_option("order")
    page.get_by_role("button", name="Show").click()
    assert page.get_by_text("was confirmed").first.is_visible()
    fits(page, viewport)
    screenshot(page, f"07-history-{size}")


@VIEWPORTS
def test_files_upload_with_a_clear_error_and_my_data_with_field_errors(live_url, page, viewport, tmp_path):
    load_demo()
    size = viewport["width"]
    page.set_viewport_size(viewport)
    sign_in(page, live_url, "ivan@demo.kabinet.test")
    go(page, "files")
    disguised = tmp_path / "invoice.txt"
    disguised.write_text("<html><script>alert(1)</script></html>")
    page.locator("#id_upload").set_input_files(str(disguised))
    page.get_by_role("button", name="Send").click()
    assert page.get_by_role("alert").first.inner_text().startswith("This kind of file is not accepted")
    fits(page, viewport)
    screenshot(page, f"08-files-error-{size}")
    good = tmp_path / "Реквизиты склада 2.txt"
    good.write_text("Склад: Москва", encoding="utf-8")
    page.locator("#id_upload").set_input_files(str(good))
    page.get_by_role("button", name="Send").click()
    assert page.get_by_text("“Реквизиты склада 2.txt” is sent. Thank you!").is_visible()
    assert page.locator(".row", has_text="Реквизиты склада 2.txt").get_by_text("Sent by you").is_visible()
    screenshot(page, f"09-files-{size}")

    go(page, "profile")
    page.get_by_role("link", name="Edit my details").click()
    page.get_by_label("Phone 1").fill("12345")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_text("This phone number does not exist").is_visible()
    fits(page, viewport)
    screenshot(page, f"10-my-data-error-{size}")
    page.get_by_label("Phone 1").fill("+7 926 111-22-33")
    page.get_by_label("Delivery address").fill("Москва, ул. Складочная, д. 1, стр. 3")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_text("Your details are saved.").is_visible()
    assert page.get_by_text("+7 926 111-22-33").is_visible()
    screenshot(page, f"11-my-data-{size}")


@VIEWPORTS
def test_company_admin_manages_colleagues_and_reads_the_glossary(live_url, page, viewport):
    load_demo()
    size = viewport["width"]
    page.set_viewport_size(viewport)
    sign_in(page, live_url, "anna@demo.kabinet.test")
    assert page.locator('[data-card="documents"]').get_by_text("Дополнительное соглашение № 2").is_visible()
    screenshot(page, f"12-home-anna-{size}")
    go(page, "profile")
    page.get_by_role("link", name="Colleagues").first.click()
    assert page.locator("[data-colleague]").count() == 2
    page.get_by_label("Email").fill("petr@demo.kabinet.test")
    page.get_by_label("First name").fill("Пётр")
    page.get_by_label("Last name").fill("Новиков")
    page.get_by_role("button", name="Invite").click()
    assert page.get_by_text("We have sent an invitation to petr@demo.kabinet.test").is_visible()
    assert page.locator("[data-colleague]").count() == 2  # he joins once he accepts
    assert page.locator("[data-invitation]").get_by_text("petr@demo.kabinet.test").is_visible()
    fits(page, viewport)
    screenshot(page, f"13-colleagues-{size}")

    # A plain-language explanation opens in place (htmx), without leaving the page.
    go(page, "documents")
    page.locator("a.term", has_text="Reconciliation act").first.click()
    assert page.locator(".term-explain").first.inner_text().startswith("Reconciliation act.")
    assert "/documents/" in page.url
    fits(page, viewport)
    screenshot(page, f"14-glossary-in-place-{size}")


def test_wrong_password_gets_a_clear_message(live_url, page):
    load_demo()
    page.goto(live_url + "/accounts/login/")
    page.get_by_label("Email or phone").fill("anna@demo.kabinet.test")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    assert page.get_by_role("alert").inner_text().strip() == "The email or password is not correct."


def test_the_russian_interface(live_url, page):
    load_demo()
    page.set_viewport_size(MOBILE)
    sign_in(page, live_url, "boris@demo.kabinet.test", language="ru")
    assert page.get_by_role("heading", name="Текущие заказы").is_visible()
    assert page.title().endswith("Кабинет клиента")
    fits(page, MOBILE)
    screenshot(page, "15-home-boris-ru-360")


def test_the_polish_interface(live_url, page):
    """Polish end to end at 360 px: the interface, the stage names staff wrote in Polish, the ticket label,
    money and dates in Polish notation."""
    load_demo()
    page.set_viewport_size(MOBILE)
    sign_in(page, live_url, "boris@demo.kabinet.test", language="pl")
    assert page.get_by_role("heading", name="Bieżące zamówienia").is_visible()
    assert page.title().endswith("Panel klienta")
    assert page.locator('nav.mainnav a[data-nav="tickets"]').inner_text().startswith("Zgłoszenia")
    fits(page, MOBILE)
    screenshot(page, "16-home-boris-pl-360")
    go(page, "orders")
    page.locator(".order-card", has_text="W realizacji").get_by_role("link").first.click()
    assert page.locator('.stage-path li[aria-current="step"]').inner_text().startswith("W realizacji")
    assert page.get_by_text("Realizujemy zamówienie.").first.is_visible()
    assert page.get_by_text("szt.").first.is_visible()  # units: «4 szt.», not «4 шт»
    fits(page, MOBILE)
    screenshot(page, "17-order-boris-pl-360")
    go(page, "history")
    assert page.get_by_text("przeszło na etap „W realizacji”").first.is_visible()
    history = page.locator("main").inner_text()
    assert re.search(r"na kwotę \d{1,3}(?:[\s\u00a0\u202f]\d{3})*,\d\d[\s\u00a0]RUB", history), history
    assert "56000.00" not in history and ".00 RUB" not in history
    assert any(month in history for month in POLISH_MONTHS), history  # «1 grudnia 2026 12:30»
    fits(page, MOBILE)
    screenshot(page, "18-history-boris-pl-360")
