"""Fuzz every form and endpoint (issue 19, Low/5xx): oversized, deeply nested, malformed and binary bodies,
posted as a role that reaches the route, must never answer 5xx.

The routes are the access matrix's (every client-facing route, the staff's workspace included), so a new route
is fuzzed as soon as it is declared. Field names come from the route's own page when it has a form, so the
values reach the real fields. Hypothesis runs derandomised (the same examples every run, no example database)
and without deadlines, so nothing depends on the machine's speed; each route also gets the fixed worst cases.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabinet.core.tests.test_access_matrix import CASES
from kabinet.testing.matrix import ALL_ROLES, Role, RouteCase

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

FUZZ = settings(
    max_examples=4,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HUGE = "x" * 100_000  # far above every field's limit; ten such fields stay below Django's 2.5 MB body limit
NASTY_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            HUGE,
            "\x00",
            "\u202eexe.pdf",
            "<script>alert(1)</script>",
            "-1",
            "9" * 40,
            "1e309",
            "NaN",
            "../../etc/passwd",
            "a@" + "b" * 300 + ".test",
            "[" * 5000,
            "\ud7ff\ufffe",
        ]
    ),
)
RAW_BODIES = [
    b"[" * 5000,
    b"{" * 5000,
    b'{"a":' * 3000,
    json.dumps({"endpoint": HUGE, "keys": {"p256dh": HUGE, "auth": [1] * 1000}}).encode(),
    b"\xff\xfe\x00\x00garbage",
    b"",
    b'{"endpoint": null}',
    b"null",
]


def _fields(body: str) -> list[str]:
    return sorted(set(re.findall(r'\bname="([^"]+)"', body)) - {"csrfmiddlewaretoken"})


def _role(case: RouteCase) -> Role:
    """The role the route serves (a 2xx or a 4xx with a body), so the fuzz reaches the view's own code."""
    for role in ALL_ROLES:
        expected = case.expect.get(role)
        status = expected if isinstance(expected, int) else None
        if status is not None and status != 404:
            return role
    return Role.OWNER


def _unique(cases: list[RouteCase]) -> list[RouteCase]:
    seen: dict[str, RouteCase] = {}
    for case in cases:
        seen.setdefault(case.url_name, case)
    return list(seen.values())


def _no_5xx(response, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"


@pytest.mark.parametrize("case", _unique(CASES), ids=lambda c: c.url_name)
def test_no_body_makes_a_route_answer_5xx(world, case: RouteCase):
    if case.setup:
        case.setup(world)
    role = _role(case)
    client = world.client_for(role)
    url = case.url(world)
    page = client.get(url)
    _no_5xx(page, f"GET {url}")
    names = _fields(page.content.decode(errors="replace")) if "html" in page.get("Content-Type", "") else []
    keys = st.sampled_from([*names, "id", "page", "q", "next", "code", "email"])

    for raw in RAW_BODIES:
        _no_5xx(client.post(url, raw, content_type="application/json"), f"POST {url} json {raw[:20]!r}")
        _no_5xx(
            client.post(url, raw, content_type="application/x-www-form-urlencoded"),
            f"POST {url} urlencoded {raw[:20]!r}",
        )
    _no_5xx(client.post(url, dict.fromkeys(names, HUGE)), f"POST {url} every field huge")
    _no_5xx(client.get(url, dict.fromkeys([*names, "q", "page"], "x" * 4000)), f"GET {url} long query")

    @FUZZ
    @given(data=st.dictionaries(keys, st.one_of(NASTY_TEXT, st.lists(NASTY_TEXT, max_size=3)), max_size=8))
    def post_forms(data):
        _no_5xx(client.post(url, data), f"POST {url} {str(data)[:200]}")
        _no_5xx(
            client.post(url, json.dumps(data), content_type="application/json"),
            f"POST {url} as JSON {str(data)[:200]}",
        )

    post_forms()
