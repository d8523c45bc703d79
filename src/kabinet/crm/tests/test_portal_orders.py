"""The order list (search, status filter, sort, pages) and the order page (stage path, items, papers, history,
manager, confirm / decline)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from kabinet.billing.models import Invoice
from kabinet.crm import actions
from kabinet.crm.models import Order, OrderItem, Stage, TimelineEntry
from kabinet.documents.models import Document
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline(world):
    """The world's order pipeline with a full path: new → offer (asks the client) → work → done / cancelled."""
    first = world.order.stage
    p, at = first.pipeline, first.position
    stages = {
        "new": first,
        "offer": f.StageFactory(pipeline=p, client_name="Согласование", position=at + 1),
        "work": f.StageFactory(pipeline=p, client_name="В работе", position=at + 2),
        "done": f.StageFactory(pipeline=p, client_name="Выполнен", kind=Stage.Kind.WON, position=at + 3),
        "cancelled": f.StageFactory(pipeline=p, client_name="Отменён", kind=Stage.Kind.LOST, position=at + 4),
    }
    actions.set_stage_decision(
        actor=None, stage=stages["offer"], confirm_stage=stages["work"], decline_stage=stages["cancelled"]
    )
    return stages


def listed(response) -> list[str]:
    return [o.public_id for o in response.context["orders"]]


def test_status_filter_search_and_sort(world, pipeline):
    owner = world.user(Role.OWNER).contact
    cheap = f.OrderFactory(company=world.company, contact=owner, title="Бумага А4", amount=Decimal("100"))
    dear = f.OrderFactory(company=world.company, contact=owner, title="Мебель", amount=Decimal("90000"))
    done = f.OrderFactory(company=world.company, contact=owner, title="Готовый", stage=pipeline["done"])
    gone = f.OrderFactory(
        company=world.company, contact=owner, title="Отменённый", stage=pipeline["cancelled"]
    )
    client = world.client_for(Role.COMPANY_ADMIN)
    url = reverse("crm:orders")
    assert listed(client.get(url)) == [
        gone.public_id,
        done.public_id,
        dear.public_id,
        cheap.public_id,
        world.order.public_id,
    ]
    assert listed(client.get(url, {"status": "won"})) == [done.public_id]
    assert listed(client.get(url, {"status": "closed"})) == [gone.public_id]
    assert set(listed(client.get(url, {"status": "open"}))) == {
        dear.public_id,
        cheap.public_id,
        world.order.public_id,
    }
    assert listed(client.get(url, {"status": f"stage-{pipeline['done'].pk}"})) == [done.public_id]
    assert listed(client.get(url, {"q": "мебель"})) == [dear.public_id]
    assert listed(client.get(url, {"q": f"№{cheap.number}"})) == [cheap.public_id]
    assert listed(client.get(url, {"sort": "amount_desc"}))[0] == dear.public_id
    assert listed(client.get(url, {"sort": "amount_asc"}))[0] == cheap.public_id
    assert listed(client.get(url, {"sort": "oldest"}))[0] == world.order.public_id
    body = client.get(url, {"q": "нет такого"}).content.decode()
    assert "Nothing matches the search" in body


def test_bad_filter_values_fall_back_instead_of_failing(world):
    client = world.client_for(Role.OWNER)
    for params in (
        {"status": "stage-x"},
        {"status": "<script>"},
        {"sort": "drop"},
        {"page": "x"},
        {"page": "999"},
    ):
        response = client.get(reverse("crm:orders"), params)
        assert response.status_code == 200
        assert listed(response) == [world.order.public_id]


def test_twenty_per_page(world):
    owner = world.user(Role.OWNER).contact
    for _ in range(25):
        f.OrderFactory(company=world.company, contact=owner)
    client = world.client_for(Role.OWNER)
    first = client.get(reverse("crm:orders"))
    assert len(listed(first)) == 20 and first.context["page"].paginator.num_pages == 2
    second = client.get(reverse("crm:orders"), {"page": 2, "sort": "oldest"})
    assert len(listed(second)) == 6
    assert "sort=oldest&amp;page=1" in second.content.decode()  # the pager keeps the filters


def test_order_page_shows_the_path_items_papers_history_and_manager(world, pipeline):
    manager = f.StaffFactory(full_name="Мария Петрова", email="maria@example.test")
    order = world.order
    order.manager = manager
    order.save()
    OrderItem.objects.create(order=order, name="Стол", quantity=Decimal("2"), price=Decimal("1500"))
    actions.change_order_stage(actor=manager, order=order, stage=pipeline["offer"])
    actions.change_order_stage(actor=manager, order=order, stage=pipeline["work"])
    invoice = world.invoice
    draft = f.DocumentFactory(
        company=world.company,
        contact=order.contact,
        order=order,
        status=Document.Status.DRAFT,
        title="Черновик",
    )
    response = world.client_for(Role.OWNER).get(reverse("crm:order", args=[order.public_id]))
    body = response.content.decode()
    path = response.context["path"]
    assert [(s["stage"].client_name, s["state"]) for s in path] == [
        (pipeline["new"].client_name, "done"),
        ("Согласование", "done"),
        ("В работе", "current"),
        ("Выполнен", "upcoming"),
    ]
    assert path[1]["reached"] is not None and path[3]["reached"] is None
    assert 'aria-current="step"' in body and pipeline["work"].client_description in body
    assert "Стол" in body and "3,000.00" in body
    assert world.document.title in body and invoice.number in body and draft.title not in body
    assert "Order №" in body and "moved to the stage “В работе”" in body  # the history
    assert "Мария Петрова" in body and "mailto:maria@example.test" in body
    assert "Your decision is needed" not in body


def test_a_cancelled_order_shows_where_it_stopped(world, pipeline):
    order = world.order
    actions.change_order_stage(actor=None, order=order, stage=pipeline["offer"])
    actions.change_order_stage(actor=None, order=order, stage=pipeline["cancelled"])
    path = world.client_for(Role.OWNER).get(reverse("crm:order", args=[order.public_id])).context["path"]
    assert [(s["stage"].client_name, s["state"]) for s in path] == [
        (pipeline["new"].client_name, "done"),
        ("Согласование", "done"),
        ("Отменён", "current"),
    ]


def test_manager_falls_back_to_the_contacts_then_the_companys(world):
    boss = f.StaffFactory(full_name="Ответственный")
    world.company.manager = boss
    world.company.save()
    body = (
        world.client_for(Role.OWNER).get(reverse("crm:order", args=[world.order.public_id])).content.decode()
    )
    assert "Ответственный" in body


def test_confirming_an_offer_moves_the_order_and_tells_the_history(world, pipeline, notices):
    order = world.order
    actions.change_order_stage(actor=None, order=order, stage=pipeline["offer"])
    client = world.client_for(Role.OWNER)
    page = client.get(reverse("crm:order", args=[order.public_id])).content.decode()
    assert "Your decision is needed" in page and 'value="confirm"' in page and 'value="decline"' in page
    notices.clear()
    response = client.post(reverse("crm:order_decision", args=[order.public_id]), {"decision": "confirm"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.stage == pipeline["work"]
    assert TimelineEntry.objects.filter(event="order.confirmed", subject_id=order.pk).exists()
    assert notices == []  # nobody is told about what he did himself
    # a second click finds nothing to decide
    client.post(reverse("crm:order_decision", args=[order.public_id]), {"decision": "decline"})
    order.refresh_from_db()
    assert order.stage == pipeline["work"]
    assert (
        "not waiting for your decision"
        in client.get(reverse("crm:order", args=[order.public_id])).content.decode()
    )


DECLINE_QUESTION_BUDGET = 5  # session, user, viewer, the order, the stage it leads to (settings cached)


def test_declining_with_a_comment(world, pipeline, notices, django_assert_max_num_queries):
    order = world.order
    actions.change_order_stage(actor=None, order=order, stage=pipeline["offer"])
    notices.clear()
    client = world.client_for(Role.COMPANY_ADMIN)
    page = client.get(reverse("crm:order", args=[order.public_id])).content.decode()
    assert "Decline: the order moves to “Отменён”; we ask you once more first." in page
    url = reverse("crm:order_decision", args=[order.public_id])
    with django_assert_max_num_queries(DECLINE_QUESTION_BUDGET):
        ask = client.post(url, {"decision": "decline", "comment": "Дорого"})
    # One tap once declined for good; now the portal asks first and says what happens next.
    assert ask.status_code == 200
    question = ask.content.decode()
    assert "Decline №" in question and "moves to the stage “Отменён”" in question
    assert 'name="confirmed" value="on"' in question and "Дорого</textarea>" in question
    order.refresh_from_db()
    assert (
        order.stage == pipeline["offer"] and not TimelineEntry.objects.filter(event="order.declined").exists()
    )
    client.post(url, {"decision": "decline", "comment": "Дорого", "confirmed": "on"})
    order.refresh_from_db()
    assert order.stage == pipeline["cancelled"] and order.closed_at is not None
    # the company admin declined the owner's order: the owner is told
    assert [(n.event, n.contact_id) for n in notices] == [("order.stage_changed", order.contact_id)]
    entry = TimelineEntry.objects.get(event="order.declined")
    assert entry.data["comment"] == "Дорого" and entry.actor == world.user(Role.COMPANY_ADMIN)
    assert "Дорого" in client.get(reverse("crm:order", args=[order.public_id])).content.decode()


def test_a_foreign_order_cannot_be_decided(world, pipeline):
    foreign = world.foreign["order"]
    foreign.stage = pipeline["offer"]
    foreign.pipeline = pipeline["offer"].pipeline
    foreign.save()
    response = world.client_for(Role.OWNER).post(
        reverse("crm:order_decision", args=[foreign.public_id]), {"decision": "confirm"}
    )
    assert response.status_code == 404
    assert Order.objects.get(pk=foreign.pk).stage == pipeline["offer"]


def test_stage_decision_needs_both_targets_in_the_same_pipeline(world, pipeline):
    from django.core.exceptions import ValidationError

    other = f.StageFactory()  # another pipeline
    with pytest.raises(ValidationError):
        actions.set_stage_decision(
            actor=None, stage=pipeline["work"], confirm_stage=other, decline_stage=other
        )
    stage = pipeline["work"]
    stage.asks_client = True
    with pytest.raises(ValidationError):
        stage.full_clean()


def test_order_dates_and_due_in_words(world):
    world.order.due_date = datetime.date(2030, 5, 17)
    world.order.save()
    body = (
        world.client_for(Role.OWNER).get(reverse("crm:order", args=[world.order.public_id])).content.decode()
    )
    assert re.search(r"planned completion May 17, 2030", body)


def test_invoice_of_an_order_shows_its_client_status(world):
    world.invoice.due_date = datetime.date.today() - datetime.timedelta(days=1)
    world.invoice.status = Invoice.Status.UNPAID
    world.invoice.save()
    body = (
        world.client_for(Role.OWNER).get(reverse("crm:order", args=[world.order.public_id])).content.decode()
    )
    assert '<span class="status overdue">Overdue</span>' in body
