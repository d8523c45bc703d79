"""``kabinet demo --crm``: the stand-in is served, connected and imported; a stage moved in the stand-in
reaches the client's order through the vendor's webhook and Kabinet's inbox."""

from __future__ import annotations

import time

import httpx
import pytest
from django.db import OperationalError

from kabinet.crm.models import Order
from kabinet.demo import crm as demo_crm


def wait_until(check, timeout: float = 20.0) -> bool:
    """Wait for an event (the webhook's job to commit), never for a fixed time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except OperationalError:  # the test database is shared with the server's thread, busy writing
            pass
        time.sleep(0.1)
    return False


@pytest.mark.parametrize(("kind", "won"), [("bitrix24", "WON"), ("amocrm", "142"), ("hubspot", "closedwon")])
def test_a_stage_moved_in_the_stand_in_reaches_the_order(live_url, kind, won):
    url, _connection, deals, _tickets = demo_crm.start(kind, host="127.0.0.1", port=0, kabinet_url=live_url)
    assert Order.objects.count() == len(deals)
    order = Order.objects.order_by("id").first()
    if kind == "bitrix24":  # its smart invoices: the prepayment to pay, the delivery paid in Bitrix
        from kabinet.billing.models import Invoice

        assert sorted(Invoice.objects.filter(order=order).values_list("status", flat=True)) == [
            "paid",
            "unpaid",
        ]
    answer = httpx.post(f"{url}/stand-in/move/{deals[0]}/{won}", timeout=10)
    assert answer.status_code == 200
    assert wait_until(lambda: Order.objects.get(pk=order.pk).stage.kind == "won")


def test_a_ticket_closed_in_the_hubspot_stand_in_is_closed_in_kabinet(live_url):
    from kabinet.tickets.models import Ticket

    url, _connection, _deals, [ticket_id] = demo_crm.start(
        "hubspot", host="127.0.0.1", port=0, kabinet_url=live_url
    )
    ticket = Ticket.objects.get()
    assert ticket.stage.kind == "open"
    assert httpx.post(f"{url}/stand-in/move/{ticket_id}/4", timeout=10).status_code == 200
    assert wait_until(lambda: Ticket.objects.get(pk=ticket.pk).stage.kind == "closed")

    # an agent answers in HubSpot: the note reaches the client's ticket as the support team's reply
    answer = httpx.post(f"{url}/stand-in/reply/{ticket_id}", content="Счёт отправили повторно", timeout=10)
    assert answer.status_code == 200
    assert wait_until(
        lambda: ticket.messages.filter(body="Счёт отправили повторно", author_contact=None).exists()
    )

    # a ticket the client opens in Kabinet starts in HubSpot's pipeline and is created in the stand-in
    from kabinet.testing.factories import UserFactory
    from kabinet.tickets import actions as ticket_actions

    contact = ticket.contact
    contact.user = UserFactory()
    contact.save()
    ticket_actions.create_ticket(
        actor=contact.user, subject="Акт сверки", body="Пришлите акт", company=None, contact=contact
    )
    assert wait_until(
        lambda: any(
            t["subject"] == "Акт сверки" for t in httpx.get(f"{url}/stand-in/tickets", timeout=10).json()
        )
    )

def test_a_record_deleted_in_the_yclients_stand_in_cancels_annas_booking(live_url):
    from kabinet.bookings.models import Booking

    url, _connection, records, _tickets = demo_crm.start(
        "yclients", host="127.0.0.1", port=0, kabinet_url=live_url
    )
    assert Booking.objects.filter(source="yclients").count() == len(records)
    booking = Booking.objects.get(external_id=records[0])
    assert booking.status == "confirmed" and booking.contact.phones.filter(phone="+79161234567").exists()
    assert httpx.post(f"{url}/stand-in/move/{records[0]}/deleted", timeout=10).status_code == 200
    assert wait_until(lambda: Booking.objects.get(pk=booking.pk).status == "cancelled")
