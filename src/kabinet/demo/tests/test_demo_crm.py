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
