"""``kabinet seed --papers``: documents, invoices and history for the synthetic clients, visible in the portal."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from kabinet.accounts.models import User
from kabinet.billing.models import Invoice
from kabinet.crm.models import Order, TimelineEntry
from kabinet.documents.models import Document

pytestmark = pytest.mark.django_db


def test_seed_with_papers_fills_every_portal_page():
    call_command("seed", clients=8, orders_per_client=3, batch=4, papers=True, verbosity=0)
    assert Order.objects.count() == 24
    assert Document.objects.count() == 16 and Invoice.objects.count() == 16
    assert TimelineEntry.objects.count() == 24 + 16 + 16
    assert Document.objects.filter(status=Document.Status.AWAITING_SIGNATURE).count() == 8
    assert len(set(Invoice.objects.values_list("number", flat=True))) == 16
    member = User.objects.filter(email__endswith="seed.kabinet.test").order_by("pk")[1]
    client = Client()
    client.force_login(member)
    history = client.get(reverse("crm:history"))
    assert len(history.context["entries"]) == 3 + 2 + 2  # only his own in the company
    assert all(item["url"] for item in history.context["entries"])
    home = client.get(reverse("portal:home"))
    cards = {c["key"]: c["context"] for c in home.context["cards"]}
    assert cards["documents"]["total"] == 1 and cards["invoices"]["open_count"] == 1
    assert cards["invoices"]["has_invoices"]
    # a second run adds only to the new clients
    call_command("seed", clients=4, orders_per_client=1, papers=True, verbosity=0)
    assert Document.objects.count() == 24
