"""History: one timeline of everything the client may see, newest first, filtered by kind, paginated."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kabinet.billing.actions import issue_invoice
from kabinet.crm import actions
from kabinet.crm.timeline import record_timeline
from kabinet.documents.actions import issue_document
from kabinet.documents.models import Document
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db


def test_one_timeline_across_kinds_newest_first_with_links(world):
    owner = world.user(Role.OWNER).contact
    stage = f.StageFactory(pipeline=world.order.pipeline, client_name="В работе", position=99)
    actions.change_order_stage(actor=None, order=world.order, stage=stage)
    document = issue_document(
        actor=None, title="Акт № 7", kind=Document.Kind.ACT, company=world.company, contact=owner
    )
    invoice = issue_invoice(actor=None, company=world.company, contact=owner, amount=500)
    record_timeline(
        event="ticket.note",
        kind="ticket",
        subject=None,
        company=world.company,
        contact=owner,
        client_visible=False,
    )
    response = world.client_for(Role.OWNER).get(reverse("crm:history"))
    entries = [item["entry"].event for item in response.context["entries"]]
    assert entries == [
        "invoice.issued",
        "document.issued",
        "order.stage_changed",
    ]  # the internal note is not there
    body = response.content.decode()
    assert reverse("billing:invoice", args=[invoice.public_id]) in body
    assert reverse("documents:detail", args=[document.public_id]) in body
    assert reverse("crm:order", args=[world.order.public_id]) in body
    assert "Document “Акт № 7” was issued" in body


def test_filter_by_kind_and_pages(world):
    owner = world.user(Role.OWNER).contact
    for n in range(30):
        record_timeline(
            event="order.created",
            kind="order",
            subject=world.order,
            company=world.company,
            contact=owner,
            number=str(n),
            title="t",
        )
    issue_invoice(actor=None, company=world.company, contact=owner, amount=500)
    client = world.client_for(Role.OWNER)
    only_invoices = client.get(reverse("crm:history"), {"kind": "invoice"})
    assert [i["entry"].kind for i in only_invoices.context["entries"]] == ["invoice"]
    first = client.get(reverse("crm:history"), {"kind": "order"})
    assert len(first.context["entries"]) == 25 and first.context["page"].paginator.count == 30
    second = client.get(reverse("crm:history"), {"kind": "order", "page": 2})
    assert len(second.context["entries"]) == 5
    assert "kind=order&amp;page=1" in second.content.decode()
    assert client.get(reverse("crm:history"), {"kind": "nonsense"}).status_code == 200


def test_a_colleague_member_does_not_see_the_owners_history(world):
    record_timeline(
        event="order.created",
        kind="order",
        subject=world.order,
        company=world.company,
        contact=world.user(Role.OWNER).contact,
        number="1",
        title="Секретный заказ",
    )
    assert (
        "Секретный заказ" not in world.client_for(Role.COLLEAGUE).get(reverse("crm:history")).content.decode()
    )
    assert (
        "Секретный заказ" in world.client_for(Role.COMPANY_ADMIN).get(reverse("crm:history")).content.decode()
    )
