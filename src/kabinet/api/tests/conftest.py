import pytest

from kabinet.api.actions import issue_api_key
from kabinet.api.models import RESOURCES, WRITE
from kabinet.testing import factories as f


@pytest.fixture
def staff(db):
    return f.StaffFactory(email="integrator-admin@example.test")


@pytest.fixture
def integrator_key(staff):
    """A key with every scope, and the headers that carry it."""
    issued = issue_api_key(actor=staff, name="ERP", scopes=dict.fromkeys(RESOURCES, WRITE))
    return issued


@pytest.fixture
def auth(integrator_key):
    return {"Authorization": f"Bearer {integrator_key.key}"}
