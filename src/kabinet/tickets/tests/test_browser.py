"""The whole support journey in a real browser: a client opens a request with two attachments; an agent
adds an internal note and a reply; the client sees only the reply, answers and closes the request."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from kabinet.crm.models import Membership, Pipeline, Stage
from kabinet.testing import factories as f
from kabinet.testing.browser import DESKTOP, MOBILE, open_session_as, screenshot, sign_in
from kabinet.tickets.models import Ticket, TicketMessage
from kabinet.tickets.tests.helpers import PNG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "Internal: the client's invoice was issued twice, check with accounting"
REPLY = "We have cancelled the duplicate invoice. Please check the portal."
ANSWER = "Thank you, I can see it now."


def no_sideways_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"scrolls sideways at {width} px"


@pytest.fixture
def people(db):
    pipeline = f.PipelineFactory(kind=Pipeline.Kind.TICKET, client_name="Support")
    f.StageFactory(pipeline=pipeline, name="New", client_name="New", position=0)
    f.StageFactory(pipeline=pipeline, name="Solved", client_name="Solved", kind=Stage.Kind.CLOSED, position=1)
    company = f.CompanyFactory(name="Acme LLC")
    client = f.client_user(company=company, role=Membership.Role.MEMBER, email="client@example.test")
    agent = f.support_agent(email="agent@example.test", full_name="Alice Agent", language="en")
    return client, agent


@pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["desktop", "mobile"])
def test_support_journey(live_url, browser, people, tmp_path, viewport):
    client_user, agent = people
    contract = tmp_path / "contract.pdf"
    contract.write_bytes(b"%PDF-1.4\n%contract\n")
    photo = tmp_path / "screenshot.png"
    photo.write_bytes(PNG)
    width = viewport["width"]

    # the client opens a request with two attachments, from the start page
    client_context = browser.new_context(viewport=viewport, locale="en-US")
    client = client_context.new_page()
    sign_in(client, live_url, client_user.email, f.PASSWORD)
    client.get_by_role("link", name="Requests").first.click()
    client.get_by_role("link", name="New request").first.click()
    client.get_by_label("Subject").fill("Duplicate invoice")
    client.get_by_label("Describe your question").fill("We received the same invoice twice.")
    client.get_by_label("Attach files").set_input_files([str(contract), str(photo)])
    client.get_by_role("button", name="Send request").click()
    client.wait_for_url(re.compile(r".*/tickets/[A-Za-z0-9_-]{22}/$"))
    assert client.get_by_role("link", name="contract.pdf").is_visible()
    assert client.get_by_role("link", name="screenshot.png").is_visible()
    no_sideways_scroll(client, width)
    ticket = Ticket.objects.get(subject="Duplicate invoice")
    ticket_url = client.url

    # the agent finds it in the queue, adds an internal note and a reply
    agent_context = browser.new_context(viewport=viewport, locale="en-US")
    staff = agent_context.new_page()
    open_session_as(staff, live_url, agent)
    staff.goto(live_url + "/staff/tickets/")
    staff.get_by_role("link", name=re.compile("Duplicate invoice")).click()
    staff.get_by_label("Message").fill(NOTE)
    staff.get_by_role("button", name="Add internal note").click()
    assert staff.get_by_text("Internal note — not visible to the client").is_visible()
    staff.get_by_label("Message").fill(REPLY)
    staff.get_by_role("button", name="Send reply to the client").click()
    staff.wait_for_load_state()
    assert staff.get_by_text(REPLY).is_visible() and staff.get_by_text(NOTE).is_visible()
    no_sideways_scroll(staff, width)
    screenshot(staff, f"tickets-agent-{width}")

    # the client sees the reply, never the note; answers and closes the request
    client.goto(ticket_url)
    assert client.get_by_text(REPLY).is_visible()
    assert NOTE not in client.content()
    client.get_by_label("Your reply").fill(ANSWER)
    client.get_by_role("button", name="Send reply").click()
    client.wait_for_load_state()
    assert client.get_by_text(ANSWER).is_visible()
    client.get_by_role("button", name="Close the request").click()
    client.wait_for_load_state()
    assert client.get_by_text("The request is closed. Thank you!").is_visible()
    assert client.get_by_role("heading", name="How satisfied are you with the answer?").is_visible()
    assert NOTE not in client.content()
    no_sideways_scroll(client, width)
    screenshot(client, f"tickets-client-{width}")

    ticket.refresh_from_db()
    assert not ticket.is_open and ticket.stage.name == "Solved"
    assert list(ticket.messages.values_list("is_internal", flat=True)) == [False, True, False, False]
    assert TicketMessage.objects.filter(
        ticket=ticket, body=ANSWER, author_contact=client_user.contact
    ).exists()
    emails = [m for m in mail.outbox if m.to == [client_user.email]]
    assert len(emails) == 1 and REPLY in emails[0].body and NOTE not in emails[0].body
    client_context.close()
    agent_context.close()
