"""The start page: the viewer's orders, a fixed query budget, the user's language, the company switch."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kabinet.crm.models import Membership
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db
HOME_QUERY_BUDGET = 10  # the portal rule: session, user, viewer, orders count + page, chat + notices cards


def test_query_budget_does_not_grow_with_data(world, django_assert_max_num_queries):
    client = world.client_for(Role.COMPANY_ADMIN)
    with django_assert_max_num_queries(HOME_QUERY_BUDGET):
        assert client.get(reverse("portal:home")).status_code == 200
    owner = world.user(Role.OWNER)
    for _ in range(60):
        f.OrderFactory(company=world.company, contact=owner.contact)
    with django_assert_max_num_queries(HOME_QUERY_BUDGET):
        response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    orders_card = next(c["context"] for c in response.context["cards"] if c["key"] == "orders")
    assert len(orders_card["orders"]) == 20
    assert orders_card["page"].paginator.num_pages == 4


def test_pages_and_bad_page_numbers(world):
    client = world.client_for(Role.OWNER)
    for _ in range(25):
        f.OrderFactory(company=world.company, contact=world.user(Role.OWNER).contact)
    cards = client.get(reverse("portal:home"), {"page": 2}).context["cards"]
    assert len(next(c["context"] for c in cards if c["key"] == "orders")["orders"]) == 6
    assert client.get(reverse("portal:home"), {"page": "x"}).status_code == 200
    assert client.get(reverse("portal:home"), {"page": 999}).status_code == 200


def test_stage_name_and_explanation_shown_in_plain_words(world):
    body = world.client_for(Role.OWNER).get(reverse("portal:home")).content.decode()
    assert world.order.stage.client_name in body
    assert world.order.stage.client_description in body
    assert world.order.stage.name not in body or world.order.stage.name == world.order.stage.client_name


def test_russian_interface_and_money_format(world):
    owner = world.user(Role.OWNER)
    owner.language = "ru"
    owner.save()
    body = world.client_for(Role.OWNER).get(reverse("portal:home")).content.decode()
    assert "Мои заказы" in body or "Здравствуйте" in body
    assert "12\xa0500,00\xa0₽" in body
    owner.language = "en"
    owner.save()
    body = world.client_for(Role.OWNER).get(reverse("portal:home")).content.decode()
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
    names = sorted(
        [world.company.public_id, world.other_company.public_id],
        key=lambda pid: {
            world.company.public_id: world.company.name,
            world.other_company.public_id: world.other_company.name,
        }[pid],
    )
    client.post(reverse("portal:switch_company"), {"company": world.other_company.public_id})
    body = client.get(reverse("portal:home")).content.decode()
    assert there.title in body and world.order.title not in body
    client.post(reverse("portal:switch_company"), {"company": world.company.public_id})
    body = client.get(reverse("portal:home")).content.decode()
    assert there.title not in body and world.order.title in body
    assert names  # both companies are offered in the switcher
