from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_healthz_reports_database_and_job_queue(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "jobs": "ok"}


@pytest.mark.django_db
def test_healthz_fails_when_the_database_does_not_answer(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise RuntimeError("database is gone")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "fail"


@pytest.mark.django_db
def test_healthz_fails_when_the_job_queue_does_not_answer(client, monkeypatch):
    from huey.contrib.djhuey import HUEY

    def broken(*args, **kwargs):
        raise ConnectionError("queue is gone")

    monkeypatch.setattr(HUEY.storage, "queue_size", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "fail", "database": "ok", "jobs": "fail"}
