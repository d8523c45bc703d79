"""The demo's REST API key: a fresh one each start, the previous one revoked, and it opens the API."""

from __future__ import annotations

import pytest
from django.test import Client

from kabinet.demo.data import demo_api_key, load_demo

pytestmark = pytest.mark.django_db


def test_each_demo_start_gets_a_working_key_and_the_previous_one_stops_working():
    load_demo()
    first = demo_api_key()
    orders = Client().get("/api/v1/orders", headers={"Authorization": f"Bearer {first}"})
    assert orders.status_code == 200 and orders.json()["data"]
    second = demo_api_key()
    assert Client().get("/api/v1/orders", headers={"Authorization": f"Bearer {first}"}).status_code == 401
    assert Client().get("/api/v1/pipelines", headers={"Authorization": f"Bearer {second}"}).status_code == 200
