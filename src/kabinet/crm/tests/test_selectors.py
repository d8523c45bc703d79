"""The one visibility rule, applied by every selector."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from kabinet.crm.models import Membership, Order
from kabinet.crm.selectors import order_for_viewer, orders_visible_to, timeline_visible_to
from kabinet.crm.viewer import ACTIVE_COMPANY_SESSION_KEY, build_viewer
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db


def viewer_for(user, active=None):
    request = RequestFactory().get("/")
    request.user = user
    request.session = {ACTIVE_COMPANY_SESSION_KEY: active} if active else {}
    return build_viewer(request)


def test_each_role_sees_exactly_its_orders(world):
    owner = viewer_for(world.user(Role.OWNER))
    colleague = viewer_for(world.user(Role.COLLEAGUE))
    admin = viewer_for(world.user(Role.COMPANY_ADMIN))
    other = viewer_for(world.user(Role.OTHER_CLIENT))
    staff = viewer_for(world.user(Role.STAFF))
    assert list(orders_visible_to(owner)) == [world.order]
    assert list(orders_visible_to(colleague)) == []
    assert list(orders_visible_to(admin)) == [world.order]
    assert list(orders_visible_to(other)) == [world.foreign["order"]]
    assert list(orders_visible_to(staff)) == []


def test_detail_lookup_of_foreign_or_unknown_id_does_not_exist(world):
    other = viewer_for(world.user(Role.OTHER_CLIENT))
    with pytest.raises(Order.DoesNotExist):
        order_for_viewer(other, world.order.public_id)
    with pytest.raises(Order.DoesNotExist):
        order_for_viewer(other, "A" * 22)


def test_active_company_decides_what_a_multi_company_client_sees(world):
    owner = world.user(Role.OWNER)
    f.MembershipFactory(contact=owner.contact, company=world.other_company, role=Membership.Role.MEMBER)
    mine_there = f.OrderFactory(company=world.other_company, contact=owner.contact)
    in_first = viewer_for(owner, world.company.public_id)
    in_second = viewer_for(owner, world.other_company.public_id)
    assert list(orders_visible_to(in_first)) == [world.order]
    assert list(orders_visible_to(in_second)) == [mine_there]
    # a company he does not belong to cannot be made active through the session
    stranger = f.CompanyFactory()
    assert viewer_for(owner, stranger.public_id).active.company_id in {
        world.company.pk,
        world.other_company.pk,
    }


def test_private_person_sees_own_orders_without_company():
    user = f.client_user(company=None)
    own = f.OrderFactory(company=None, contact=user.contact)
    f.OrderFactory(company=None, contact=f.ContactFactory())
    assert list(orders_visible_to(viewer_for(user))) == [own]


def test_timeline_hides_internal_entries(world):
    from kabinet.crm.timeline import record_timeline

    record_timeline(
        event="order.updated",
        kind="order",
        subject=world.order,
        company=world.company,
        contact=world.order.contact,
        number="1",
    )
    record_timeline(
        event="order.updated",
        kind="order",
        subject=world.order,
        company=world.company,
        contact=world.order.contact,
        client_visible=False,
        number="2",
    )
    entries = list(timeline_visible_to(viewer_for(world.user(Role.OWNER))))
    assert [e.data["number"] for e in entries] == ["1"]
