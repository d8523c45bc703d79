"""Lists count at most a cap of rows: past it they say "more" and number only the first pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kabinet.core.pagination import BoundedPaginator
from kabinet.crm.models import TimelineEntry
from kabinet.crm.timeline import record_timeline
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db


def _entries(world, count: int) -> None:
    order = world.order
    for _ in range(count):
        record_timeline(
            event="order.created",
            kind="order",
            subject=order,
            company=order.company,
            contact=order.contact,
            number=order.number,
            title=order.title,
        )


def test_the_count_reads_at_most_cap_plus_one_rows_and_pages_stop_at_the_cap(world):
    _entries(world, 12)
    rows = TimelineEntry.objects.filter(company=world.company).order_by("-created_at", "-id")
    paginator = BoundedPaginator(rows, 3, cap=7)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 7 and paginator.more
    assert "LIMIT 8" in queries.captured_queries[0]["sql"]
    assert paginator.num_pages == 3  # 7 rows of 3 per page
    assert len(paginator.get_page(99).object_list) == 1  # the last numbered page holds the 7th row
    exact = BoundedPaginator(rows, 5, cap=12)
    assert (exact.count, exact.more, exact.num_pages) == (12, False, 3)


@pytest.mark.parametrize(
    "language, many, note",
    [
        ("en", "Page 1 of many", "Only the first 30 are listed"),
        ("ru", "Страница 1 из многих", "Показаны только первые 30"),
        ("pl", "Strona 1 z wielu", "Wyświetlono tylko pierwsze 30"),
    ],
)
def test_a_long_history_says_many_pages_and_asks_to_narrow_it_on_the_last_one(
    world, settings, language, many, note
):
    settings.KABINET_LIST_COUNT_CAP = 30  # the history shows 25 a page
    _entries(world, 40)
    owner = world.user(Role.OWNER)
    owner.language = language
    owner.save(update_fields=["language"])
    client = world.client_for(Role.OWNER)
    page = client.get(reverse("crm:history"), {"page": 1})
    body = page.content.decode()
    assert many in body and note not in body and 'rel="next"' in body
    last = client.get(
        reverse("crm:history"), {"page": 99}, headers={"accept-language": language}
    ).content.decode()
    assert note in last


def test_a_short_list_numbers_all_its_pages(world, settings):
    settings.KABINET_LIST_COUNT_CAP = 1000
    _entries(world, 40)
    body = world.client_for(Role.OWNER).get(reverse("crm:history"), {"page": 2}).content.decode()
    assert "Page 2 of" in body and "of many" not in body
