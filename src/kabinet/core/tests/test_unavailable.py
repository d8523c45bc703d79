"""A request that fails because the database or Redis is away answers 503 with a clear message, not a 500."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client, override_settings
from django.urls import path


def broken(request):
    raise OperationalError("server closed the connection unexpectedly")


def buggy(request):
    raise ValueError("a bug")


urlpatterns = [path("broken/", broken), path("buggy/", buggy)]
handler500 = "kabinet.core.views.server_error"


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


@override_settings(ROOT_URLCONF=__name__)
def test_database_gone_is_a_503_page_and_problem_json(client):
    page = client.get("/broken/", HTTP_ACCEPT_LANGUAGE="ru")
    assert page.status_code == 503 and page["Retry-After"] == "5"
    assert "ничего не сохранено" in page.content.decode()
    problem = client.post("/broken/", HTTP_ACCEPT="application/json")
    assert problem.status_code == 503 and problem["Content-Type"] == "application/problem+json"
    assert problem.json()["status"] == 503 and problem.json()["title"]


@override_settings(ROOT_URLCONF=__name__)
def test_other_errors_stay_plain_500s(client):
    assert client.get("/buggy/").status_code == 500
