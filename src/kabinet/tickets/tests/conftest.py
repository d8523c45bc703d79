"""Fixtures of the ticket tests."""

from __future__ import annotations

import pytest
from huey.contrib.djhuey import HUEY

from kabinet.testing import factories as f
from kabinet.testing.matrix import Role


@pytest.fixture(autouse=True)
def jobs_run_inline():
    """Email jobs run in the test process (Django's test outbox) instead of the real queue."""
    before = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = before


@pytest.fixture
def agent(db):
    return f.support_agent(full_name="Мария Агентова", email="agent@example.test")


@pytest.fixture
def owner(world):
    return world.user(Role.OWNER)


@pytest.fixture
def closed_stage(world):
    from kabinet.crm.models import Stage

    return f.StageFactory(pipeline=world.ticket.pipeline, kind=Stage.Kind.CLOSED, client_name="Решено")
