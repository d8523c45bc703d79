"""Schemathesis over the whole schema, through the WSGI app: as an integrator key and as a client's token.

Every generated request must answer something the schema documents (status, content type, body) and never a
5xx. Hypothesis is derandomised so a run is the same on every machine.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from kabinet.api.actions import issue_api_key
from kabinet.api.models import RESOURCES, WRITE
from kabinet.api.v1 import api
from kabinet.config.wsgi import application

# Schemathesis 3 reads OpenAPI 3.1 behind its documented experimental switch (3.1 is what ninja writes).
schemathesis.experimental.OPEN_API_3_1.enable()
schema = schemathesis.from_dict(api.get_openapi_schema(), app=application)

CHECKS = (
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
)


@pytest.fixture
def keep_the_test_connection():
    """Schemathesis calls the WSGI app directly, not through Django's test client, so Django's request signals
    would close the test's connection (inside its transaction) after every request. Django's test client
    disconnects ``close_old_connections`` the same way while it runs a request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(world, settings, keep_the_test_connection):
    settings.KABINET_API_RATE = "100000/m"
    staff, owner = world.users["staff"], world.users["owner"]
    scopes = dict.fromkeys(RESOURCES, WRITE)
    return {
        "integrator": issue_api_key(actor=staff, name="schemathesis", scopes=scopes).key,
        "client": issue_api_key(actor=staff, name="schemathesis me", scopes=scopes, user=owner).key,
    }


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=12,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_answers_what_its_schema_says(case, tokens):
    audience = "client" if case.path.startswith("/api/v1/me/") else "integrator"
    case.call_and_validate(headers={"Authorization": f"Bearer {tokens[audience]}"}, checks=CHECKS)
