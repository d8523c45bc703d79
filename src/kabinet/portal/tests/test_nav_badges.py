"""Navigation counters come after the page, from one endpoint, through the same selectors as the pages."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db


def badges(client) -> dict[str, str]:
    body = client.get(reverse("portal:nav_badges")).content.decode()
    return dict(re.findall(r'id="nav-badge-([\w-]+)"[^>]*>(\d*)<', body))


def test_pages_render_empty_badges_that_the_endpoint_fills(world):
    client = world.client_for(Role.OWNER)
    page = client.get(reverse("portal:home")).content.decode()
    assert 'id="nav-badge-tickets"' in page and reverse("portal:nav_badges") in page
    assert badges(client)["tickets"] == "1"


def test_counts_follow_the_viewer(world):
    assert badges(world.client_for(Role.COMPANY_ADMIN))["tickets"] == "1"
    assert badges(world.client_for(Role.COLLEAGUE))["tickets"] == "0"
    assert badges(world.client_for(Role.OTHER_CLIENT))["tickets"] == "1"
    # Staff see their own queue (the world's two unread client messages), never a client's counters.
    assert badges(world.client_for(Role.STAFF)) == {"inbox": "2"}


def test_the_endpoint_keeps_a_small_budget(world, django_assert_max_num_queries):
    client = world.client_for(Role.OWNER)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("portal:nav_badges")).status_code == 200
