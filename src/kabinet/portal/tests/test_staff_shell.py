"""The staff shell: a start page with the team member's queues and the way to the inbox, the tickets, the
clients and the back office; the client card beside a conversation with contacts, company, role and links.

Staff once landed on the back office index, which led to neither the inbox nor the ticket queue, and the
client card had no contact details and no links.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from kabinet.crm.models import ContactPhone, Membership
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db


def counts(html: str) -> dict[str, int]:
    return {
        key: int(count)
        for key, count in re.findall(r'data-queue="(\w+)">\s*<a [^>]*><span class="queue-count">(\d+)<', html)
    }


def test_staff_land_on_their_start_page_with_their_queue_counts_and_the_workspace(world, client):
    staff = f.support_agent(full_name="Мария Агентова", email="desk@example.test")
    f.grant_chat_access(staff)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_order", "view_contact"], content_type__app_label="crm")
    )
    staff = type(staff).objects.get(pk=staff.pk)  # fresh permission caches
    # Queues: one chat waiting unassigned, one assigned to somebody else (not his), two tickets of his (one
    # closed), one open order of his waiting for him and one waiting for the client's answer.
    newcomer = f.client_user(company=world.company, email="new@example.test")
    mine = f.ConversationFactory(company=world.company, contact=newcomer.contact, assigned_to=None)
    mine.staff_unread = 2
    mine.save()
    other = world.extra["conversation"]
    other.staff_unread = 1
    other.save()  # assigned to the world's staff member
    f.TicketFactory(company=world.company, contact=world.user(Role.OWNER).contact, owner=staff)
    f.TicketFactory(
        company=world.company, contact=world.user(Role.OWNER).contact, owner=staff, closed_at=timezone.now()
    )
    waiting = f.OrderFactory(company=world.company, manager=staff)
    asks = f.StageFactory(pipeline=waiting.pipeline, asks_client=True)
    f.OrderFactory(company=world.company, manager=staff, stage=asks, pipeline=waiting.pipeline)
    client.force_login(staff)
    assert client.get(reverse("portal:home"))["Location"] == reverse("portal:staff_home")
    page = client.get(reverse("portal:staff_home")).content.decode()
    assert counts(page) == {"inbox": 1, "tickets": 1, "orders": 1}
    for url in (
        reverse("messaging:staff_inbox"),
        reverse("tickets_staff:queue"),
        reverse("admin:crm_contact_changelist"),
        reverse("admin:index"),
    ):
        assert f'href="{url}"' in page
    badges = client.get(reverse("portal:nav_badges")).content.decode()
    assert 'id="nav-badge-inbox" hx-swap-oob="true">1<' in badges
    assert 'id="nav-badge-tickets" hx-swap-oob="true">1<' in badges
    # The back office leads back to the workspace on every page.
    admin = client.get(reverse("admin:index")).content.decode()
    assert (
        f'href="{reverse("messaging:staff_inbox")}"' in admin
        and f'href="{reverse("tickets_staff:queue")}"' in admin
    )


def test_a_staff_member_without_permissions_sees_only_the_back_office_link(world, client):
    bare = f.StaffFactory()
    client.force_login(bare)
    page = client.get(reverse("portal:staff_home")).content.decode()
    assert counts(page) == {}
    assert reverse("messaging:staff_inbox") not in page and reverse("tickets_staff:queue") not in page
    assert f'href="{reverse("admin:index")}"' in page


def test_the_staff_start_page_has_a_fixed_query_budget(world, client, django_assert_max_num_queries):
    staff = f.support_agent(email="desk2@example.test")
    f.grant_chat_access(staff)
    client.force_login(staff)
    client.get(reverse("portal:staff_home"))  # the settings cache
    with django_assert_max_num_queries(STAFF_HOME_BUDGET):
        client.get(reverse("portal:staff_home"))
    for _ in range(10):
        f.TicketFactory(company=world.company, contact=world.user(Role.OWNER).contact, owner=staff)
    with django_assert_max_num_queries(STAFF_HOME_BUDGET):
        client.get(reverse("portal:staff_home"))


STAFF_HOME_BUDGET = 8  # session, user, permissions (2), the three queue counts, one spare for the viewer


def test_the_client_card_has_contacts_company_role_and_links(world):
    desk = world.client_for(Role.STAFF)
    owner = world.user(Role.OWNER)
    ContactPhone.objects.create(contact=owner.contact, phone="+79161234567", is_primary=True)
    conversation = world.extra["conversation"]
    card = desk.get(reverse("messaging:staff_client_card", args=[conversation.public_id])).content.decode()
    assert f'href="mailto:{owner.email}"' in card and 'href="tel:+79161234567"' in card
    role = Membership.objects.get(contact=owner.contact, company=world.company).get_role_display()
    assert world.company.name in card and str(role) in card
    contact = f"?contact__id__exact={owner.contact.pk}"
    for name in (
        "admin:crm_order_changelist",
        "admin:billing_invoice_changelist",
        "admin:documents_document_changelist",
        "admin:tickets_ticket_changelist",
        "admin:crm_timelineentry_changelist",
    ):
        assert f'href="{reverse(name)}{contact}"' in card, name
    assert f'href="{reverse("admin:crm_order_change", args=[world.order.pk])}"' in card
