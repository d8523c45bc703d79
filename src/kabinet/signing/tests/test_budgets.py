"""The signing pages run a fixed number of queries, whatever the number of requests and signatures."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kabinet.portal.tests.test_budgets import count_queries
from kabinet.signing.tests.access import named, sealed
from kabinet.signing.tests.helpers import pdf_document, requested
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db

PAGES = {
    # session, user, viewer, signer, the signer's turn, verified email, consent, messages... (see the view)
    "sign": (Role.OWNER, lambda w: reverse("signing:sign", args=[named(w).document.public_id]), 9),
    "document with signatures": (
        Role.OWNER,
        lambda w: reverse("documents:detail", args=[named(w).document.public_id]),
        6,
    ),
    "staff queue": (Role.STAFF, lambda w: (named(w), reverse("signing_staff:queue"))[1], 9),
    "staff request": (Role.STAFF, lambda w: reverse("signing_staff:detail", args=[named(w).public_id]), 9),
    "verify by id": (
        Role.ANONYMOUS,
        lambda w: reverse("signing:verify_id", args=[sealed(w).signature_id]),
        4,
    ),
}


def more_requests(world, n: int) -> None:
    owner = world.user(Role.OWNER)
    for i in range(n):
        document = pdf_document(company=world.company, contact=owner.contact, title=f"Extra {i}")
        requested(document, client_contact=owner.contact, staff_user=world.user(Role.STAFF))


@pytest.mark.parametrize("name", sorted(PAGES))
def test_signing_page_budget_does_not_grow(world, name):
    role, url_of, budget = PAGES[name]
    client = world.client_for(role)
    url = url_of(world)
    more_requests(world, 2)
    status, small = count_queries(client, url)
    assert status == 200
    more_requests(world, 25)
    status, large = count_queries(client, url)
    assert status == 200
    assert large <= budget, f"{name}: {large} queries (budget {budget})"
    assert small == large, f"{name}: {small} queries with few requests, {large} with many"
