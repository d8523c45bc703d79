"""Two browsers at once: a client and his manager exchange messages and attachments in real time."""

from __future__ import annotations

import pytest

from kabinet.testing import factories as f
from kabinet.testing.browser import MOBILE, open_session_as, screenshot
from kabinet.testing.browser import sign_in as browser_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n%kabinet chat test\n"


def sign_in(context, live_url: str, user) -> object:
    """Clients sign in through the sign-in page; staff get a session (their two-factor is tested in accounts)."""
    page = context.new_page()
    page.set_default_timeout(10_000)
    if user.is_staff:
        open_session_as(page, live_url, user)
    else:
        browser_sign_in(page, live_url, user.email, f.PASSWORD)
    return page


def test_client_and_manager_chat_live_with_attachments(live_url, browser):
    manager = f.grant_chat_access(f.StaffFactory(email="manager@example.test", full_name="Мария Петрова"))
    company = f.CompanyFactory(name="ООО «Ромашка»", manager=manager)
    client_user = f.client_user(company=company, email="ivan@example.test")
    f.QuickReplyFactory(title="Уже смотрим", body="{name}, уже смотрим!")
    client_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    desk_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        desk = sign_in(desk_context, live_url, manager)
        desk.goto(live_url + "/staff/inbox/")
        assert desk.get_by_text("No conversations here.").is_visible()
        desk.locator("html[data-live='on']").wait_for(state="attached")

        client = sign_in(client_context, live_url, client_user)
        client.goto(live_url + "/messages/")
        assert client.get_by_text("Your manager: Мария Петрова").is_visible()
        client.locator("html[data-live='on']").wait_for(state="attached")
        client.get_by_label("Message").fill("Добрый день! Прикладываю реквизиты.")
        client.get_by_label("Attach files").set_input_files(
            [{"name": "реквизиты.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        client.get_by_role("button", name="Send").click()
        mine = client.locator(".bubble.mine").filter(has_text="Прикладываю реквизиты")
        mine.wait_for()
        assert client.locator(".bubble.mine", has_text="реквизиты.pdf").count() == 1
        assert client.get_by_label("Message").input_value() == ""  # sent without reloading the page
        assert mine.locator("[data-status]").inner_text() == "Sent"

        row = desk.locator(".inbox-row.unread", has_text=client_user.contact.full_name)
        row.wait_for()  # the inbox refreshed itself
        row.get_by_role("link").click()
        desk.get_by_text("Прикладываю реквизиты").wait_for()
        desk.locator(".client-card h3", has_text="Orders").wait_for()  # the client's card beside it
        with desk.expect_download() as download:
            desk.get_by_role("link", name="реквизиты.pdf").click()
        assert download.value.suggested_filename == "реквизиты.pdf"
        mine.locator("[data-status]", has_text="Read").wait_for()  # the manager opened it: a read mark

        desk.locator("html[data-live='on']").wait_for(state="attached")
        desk.get_by_label("Quick reply").select_option(label="Уже смотрим")
        assert desk.get_by_label("Message").input_value() == f"{client_user.contact.first_name}, уже смотрим!"
        desk.get_by_label("Attach files").set_input_files(
            [{"name": "счёт.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        desk.get_by_role("button", name="Send").click()
        desk.locator(".bubble.mine", has_text="уже смотрим").wait_for()

        reply = client.locator(".bubble.theirs", has_text="уже смотрим")
        reply.wait_for()  # arrived over the socket, no reload
        assert reply.get_by_role("link", name="счёт.pdf").is_visible()
        with client.expect_download() as download:
            reply.get_by_role("link", name="счёт.pdf").click()
        assert download.value.suggested_filename == "счёт.pdf"
        desk.locator(".bubble.mine [data-status]", has_text="Read").last.wait_for()
        screenshot(client, "chat-client-desktop")
        screenshot(desk, "chat-manager-desktop")

        client.set_viewport_size(MOBILE)
        client.reload()
        assert client.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
        screenshot(client, "chat-client-360")
        bad = client.get_by_label("Attach files")
        bad.set_input_files(
            [{"name": "page.txt", "mimeType": "text/plain", "buffer": b"<html><script>x</script>"}]
        )
        client.get_by_role("button", name="Send").click()
        client.get_by_role("alert").filter(has_text="not accepted").wait_for()
    finally:
        client_context.close()
        desk_context.close()
