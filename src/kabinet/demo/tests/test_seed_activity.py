"""``kabinet seed --papers --heavy``: tickets, chat, notifications and files for every synthetic client, and
heavy clients whose pages show the same as anybody's, only with more rows behind them."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from kabinet.accounts.models import User
from kabinet.crm.models import Order
from kabinet.files.models import ClientFile
from kabinet.messaging.models import Conversation, Message
from kabinet.notifications.models import Notification
from kabinet.tickets.models import Ticket, TicketCC, TicketMessage

pytestmark = pytest.mark.django_db


def test_every_client_gets_tickets_chat_notifications_and_files():
    call_command("seed", clients=8, orders_per_client=1, batch=3, papers=True, verbosity=0)
    assert Ticket.objects.count() == 16 and TicketMessage.objects.count() == 16
    assert len(set(Ticket.objects.values_list("number", flat=True))) == 16
    assert Conversation.objects.count() == 8 and Message.objects.count() == 48
    assert Notification.objects.count() == 24 and ClientFile.objects.count() == 16
    member = User.objects.get(email="client2@seed.kabinet.test")
    client = Client()
    client.force_login(member)
    tickets = client.get(reverse("tickets:list"))
    assert tickets.status_code == 200 and len(tickets.context["tickets"]) == 2  # his own, not the admin's
    chat = client.get(reverse("messaging:chat"))
    assert (
        chat.status_code == 200
        and b"\xd0\xa1\xd0\xbe\xd0\xbe\xd0\xb1\xd1\x89\xd0\xb5\xd0\xbd\xd0\xb8\xd0\xb5 6" in chat.content
    )


def test_heavy_clients_have_many_of_everything_and_see_their_copies():
    call_command("seed", clients=8, orders_per_client=1, papers=True, heavy=1, heavy_size=120, verbosity=0)
    heavy = User.objects.get(email="client2@seed.kabinet.test").contact  # the member of the first company
    assert Order.objects.filter(contact=heavy).count() == 1 + 120
    assert Ticket.objects.filter(contact=heavy).count() == 2 + 120
    assert Message.objects.filter(conversation__contact=heavy).count() == 6 + 120
    assert Notification.objects.filter(contact=heavy).count() == 3 + 120
    copied = TicketCC.objects.filter(contact=heavy)
    assert copied.count() == 1 and copied.get().ticket.contact.user.email == "client1@seed.kabinet.test"
    client = Client()
    client.force_login(heavy.user)
    response = client.get(reverse("tickets:list"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 2 + 120 + 1  # his own and the one he is copied on
    assert len(response.context["tickets"]) == 20
    light = Ticket.objects.filter(contact__user__email="client6@seed.kabinet.test").count()
    assert light == 2
