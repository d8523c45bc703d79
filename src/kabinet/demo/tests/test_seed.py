"""``kabinet.demo.seeding.seed``: shape of the synthetic data and order numbers that never collide."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db.models import F

from kabinet.accounts.models import User
from kabinet.crm import actions
from kabinet.crm.models import Company, Contact, ContactEmail, Membership, Order, Pipeline
from kabinet.demo.seeding import SEED_DOMAIN, seed

CLIENTS = 9
ORDERS_PER_CLIENT = 3


@pytest.fixture
def seeded(db):
    # A batch of 3 is not a multiple of the 4 clients per company, so companies span batches.
    return seed(clients=CLIENTS, orders_per_client=ORDERS_PER_CLIENT, batch_clients=3)


def test_counts(seeded):
    assert (seeded.clients, seeded.companies, seeded.orders) == (CLIENTS, 3, CLIENTS * ORDERS_PER_CLIENT)
    assert Company.objects.count() == 3
    assert User.objects.filter(email__endswith=f"@{SEED_DOMAIN}").count() == CLIENTS
    assert Contact.objects.filter(user__isnull=False).count() == CLIENTS
    assert ContactEmail.objects.filter(is_primary=True, email__endswith=f"@{SEED_DOMAIN}").count() == CLIENTS
    assert not ContactEmail.objects.exclude(email=F("contact__user__email")).exists()


def test_memberships_one_admin_per_company(seeded):
    assert Membership.objects.count() == CLIENTS
    assert sorted(Counter(Membership.objects.values_list("company_id", flat=True)).values()) == [1, 4, 4]
    admins = Counter(
        Membership.objects.filter(role=Membership.Role.ADMIN).values_list("company_id", flat=True)
    )
    assert admins == Counter(Company.objects.values_list("id", flat=True))


def test_orders_unique_numbers_and_pipeline_stages(seeded):
    pipeline = Pipeline.objects.get(kind=Pipeline.Kind.ORDER, is_default=True)
    stage_ids = set(pipeline.stages.values_list("id", flat=True))
    orders = list(Order.objects.values("number", "pipeline_id", "stage_id", "company_id", "contact_id"))
    assert len(orders) == CLIENTS * ORDERS_PER_CLIENT
    assert len({o["number"] for o in orders}) == len(orders)
    assert {o["pipeline_id"] for o in orders} == {pipeline.pk}
    assert {o["stage_id"] for o in orders} <= stage_ids
    members = set(Membership.objects.values_list("company_id", "contact_id"))
    assert {(o["company_id"], o["contact_id"]) for o in orders} <= members


def test_normal_order_creation_does_not_collide(seeded):
    seeded_values = {int(n) for n in Order.objects.values_list("number", flat=True)}
    membership = Membership.objects.select_related("company", "contact").first()
    order = actions.create_order(
        actor=None, title="После сида", company=membership.company, contact=membership.contact
    )
    assert order.pipeline.is_default
    # Compare counter values, not strings: the seed and create_order may pad numbers differently.
    assert int(order.number) not in seeded_values
    assert int(order.number) > max(seeded_values)
    assert Order.objects.filter(number=order.number).count() == 1
