"""What the fault suite's clients share: the seed that signs them in (HTTP helpers: kabinet.testing.http)."""

from __future__ import annotations

from kabinet.testing.http import Answer, get, post

__all__ = ["SEED", "Answer", "get", "post"]

# Signs a client and a staff member in (sessions in the database or in Redis, as configured) and gives the
# client a ticket to reply to; prints what the test needs as JSON.
SEED = """
import json
from django.test import Client
from kabinet.tickets.actions import create_ticket
from kabinet.testing import factories as f
company = f.CompanyFactory(name="ООО «Сбой»")
user = f.client_user(company=company, email="client@faults.test", full_name="Клиент Сбоев")
staff = f.UserFactory(email="staff@faults.test", is_staff=True, is_superuser=True, full_name="Мария")
f.ticket_stage()
ticket = create_ticket(actor=user, subject="Проверка сбоев", body="Первое сообщение", company=company,
                       contact=user.contact)
cookies = {}
for name, who in (("client", user), ("staff", staff)):
    browser = Client()
    browser.force_login(who)
    cookies[name] = browser.cookies["sessionid"].value
print(json.dumps({"cookies": cookies, "ticket": ticket.public_id, "contact": user.contact.pk}))
"""
