"""The start page: current orders, invoices to pay, documents to sign, quick actions, language, company switch."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.template import Template
from django.urls import reverse

from kabinet.billing.models import Invoice
from kabinet.core.registry import _CARDS, DashboardCard, register_card
from kabinet.crm.models import Membership, Stage
from kabinet.documents.models import Document
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db


def card(response, key: str) -> dict:
    return next(c["context"] for c in response.context["cards"] if c["key"] == key)


def test_current_orders_card_lists_open_orders_newest_first_with_their_count(world):
    owner = world.user(Role.OWNER).contact
    won = f.StageFactory(pipeline=world.order.pipeline, kind=Stage.Kind.WON, client_name="Готово")
    done = f.OrderFactory(company=world.company, contact=owner, stage=won, title="Закрытый заказ")
    newer = [f.OrderFactory(company=world.company, contact=owner) for _ in range(6)]
    response = world.client_for(Role.COMPANY_ADMIN).get(reverse("portal:home"))
    orders = card(response, "orders")
    assert orders["total"] == 7  # six new ones and the world's order; the finished one is not current
    assert [o.pk for o in orders["orders"]] == [o.pk for o in reversed(newer)][:5]
    body = response.content.decode()
    assert done.title not in body
    assert reverse("crm:order", args=[newer[-1].public_id]) in body


def test_invoices_card_sums_what_is_left_to_pay_and_counts_overdue(world):
    owner = world.user(Role.OWNER).contact
    today = datetime.date.today()
    world.invoice.delete()
    late = f.InvoiceFactory(
        company=world.company,
        contact=owner,
        amount=Decimal("1000"),
        due_date=today - datetime.timedelta(days=3),
    )
    partly = f.InvoiceFactory(
        company=world.company,
        contact=owner,
        amount=Decimal("500"),
        paid_amount=Decimal("200"),
        status=Invoice.Status.PARTIALLY_PAID,
    )
    paid = f.InvoiceFactory(company=world.company, contact=owner, status=Invoice.Status.PAID)
    response = world.client_for(Role.OWNER).get(reverse("portal:home"))
    invoices = card(response, "invoices")
    assert invoices["open_count"] == 2
    assert invoices["overdue_count"] == 1
    assert invoices["open_balance"] == Decimal("1300.00")
    assert [i.pk for i in invoices["invoices"]] == [late.pk, partly.pk]  # the soonest due first
    body = response.content.decode()
    assert paid.number not in body
    assert "overdue" in body


def test_mixed_currencies_are_not_summed(world):
    owner = world.user(Role.OWNER).contact
    f.InvoiceFactory(company=world.company, contact=owner, currency="EUR")
    invoices = card(world.client_for(Role.OWNER).get(reverse("portal:home")), "invoices")
    assert invoices["open_count"] == 2 and invoices["open_balance"] is None


def test_nothing_to_pay_and_nothing_to_sign_say_so(world):
    world.invoice.status = Invoice.Status.PAID
    world.invoice.save()
    body = world.client_for(Role.OWNER).get(reverse("portal:home")).content.decode()
    assert "Nothing to pay. Thank you!" in body
    assert "No document needs your signature." in body


def test_documents_card_shows_what_awaits_a_signature(world):
    owner = world.user(Role.OWNER).contact
    waiting = f.DocumentFactory(
        company=world.company,
        contact=owner,
        status=Document.Status.AWAITING_SIGNATURE,
        title="Допсоглашение №3",
    )
    f.DocumentFactory(company=world.company, contact=owner, status=Document.Status.DRAFT, title="Черновик")
    response = world.client_for(Role.OWNER).get(reverse("portal:home"))
    documents = card(response, "documents")
    assert [d.pk for d in documents["documents"]] == [waiting.pk] and documents["total"] == 1
    assert "Черновик" not in response.content.decode()
    # a colleague member does not see the owner's document
    assert card(world.client_for(Role.COLLEAGUE).get(reverse("portal:home")), "documents")["total"] == 0


def test_last_invoice_quick_action_only_for_clients_with_invoices(world):
    response = world.client_for(Role.OWNER).get(reverse("portal:home"))
    assert "last_invoice" in [a["key"] for a in response.context["quick_actions"]]
    assert reverse("billing:latest") in response.content.decode()
    response = world.client_for(Role.COLLEAGUE).get(reverse("portal:home"))
    assert "last_invoice" not in [a["key"] for a in response.context["quick_actions"]]


def test_a_new_app_adds_its_card_without_editing_the_dashboard(world):
    register_card(
        DashboardCard(
            key="bonus",
            template=Template("<section>{{ card.points }} points</section>"),  # any object with render()
            context=lambda request: {"points": 42},
            order=-1,
        )
    )
    try:
        response = world.client_for(Role.OWNER).get(reverse("portal:home"))
    finally:
        _CARDS.pop("bonus")
    keys = [c["key"] for c in response.context["cards"]]
    assert keys[0] == "bonus" and "orders" in keys
    assert "42 points" in response.content.decode()


def test_stage_name_and_explanation_shown_in_plain_words(world):
    body = world.client_for(Role.OWNER).get(reverse("portal:home")).content.decode()
    assert world.order.stage.client_name in body
    assert world.order.stage.client_description in body
    assert world.order.stage.name not in body


def test_russian_interface_and_money_format(world):
    owner = world.user(Role.OWNER)
    owner.language = "ru"
    owner.save()
    body = world.client_for(Role.OWNER).get(reverse("portal:home")).content.decode()
    assert "Текущие заказы" in body and "Здравствуйте" in body
    assert "12\xa0500,00\xa0₽" in body
    owner.language = "en"
    owner.save()
    body = world.client_for(Role.OWNER).get(reverse("portal:home")).content.decode()
    assert "Current orders" in body
    assert "12,500.00\xa0RUB" in body


def test_language_switch_is_stored_on_the_account(world):
    client = world.client_for(Role.OWNER)
    response = client.post(
        reverse("accounts:set_language"), {"language": "ru", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    world.user(Role.OWNER).refresh_from_db()
    assert world.user(Role.OWNER).language == "ru"


def test_company_switch_changes_what_is_listed(world):
    owner = world.user(Role.OWNER)
    f.MembershipFactory(contact=owner.contact, company=world.other_company, role=Membership.Role.MEMBER)
    there = f.OrderFactory(
        company=world.other_company, contact=owner.contact, title="Заказ во второй компании"
    )
    client = world.client_for(Role.OWNER)
    client.post(reverse("portal:switch_company"), {"company": world.other_company.public_id})
    body = client.get(reverse("portal:home")).content.decode()
    assert there.title in body and world.order.title not in body
    assert 'id="company-switch"' in body
    client.post(reverse("portal:switch_company"), {"company": world.company.public_id})
    body = client.get(reverse("portal:home")).content.decode()
    assert there.title not in body and world.order.title in body
    # a company he does not belong to changes nothing
    client.post(reverse("portal:switch_company"), {"company": f.CompanyFactory().public_id})
    assert world.order.title in client.get(reverse("portal:home")).content.decode()
