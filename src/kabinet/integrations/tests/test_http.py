"""The outgoing HTTP helper against a local HTTP server: timeouts, retries with backoff on the vendor's codes,
the token bucket, and logs with secrets masked. ``sleep`` and ``clock`` are recorded, never waited for."""

from __future__ import annotations

import logging
import socket
import threading

import httpx
import pytest

from kabinet.integrations.http import HttpClient, RetryPolicy, TokenBucket, shared_bucket


class Sleeps(list):
    """A ``sleep`` that only remembers how long it was asked to wait."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(url: str, sleeps: Sleeps, **kwargs) -> HttpClient:
    kwargs.setdefault("retry", RetryPolicy(attempts=3, statuses=frozenset({503}), initial=0.5, jitter=0))
    return HttpClient(provider="acme", base_url=url, sleep=sleeps, **kwargs)


def test_the_vendors_retry_codes_are_retried_with_exponential_backoff(httpserver):
    httpserver.expect_ordered_request("/send").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/send").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/send").respond_with_json({"ok": True})
    sleeps = Sleeps()
    with client(httpserver.url_for(""), sleeps) as http:
        response = http.post("/send", data={"a": "1"})
    assert response.json() == {"ok": True} and sleeps == [0.5, 1.0]
    assert len(httpserver.log) == 3


def test_out_of_attempts_the_last_answer_comes_back(httpserver):
    httpserver.expect_request("/send").respond_with_data("busy", status=503)
    sleeps = Sleeps()
    with client(
        httpserver.url_for(""), sleeps, retry=RetryPolicy(attempts=2, statuses=frozenset({503}))
    ) as http:
        assert http.get("/send").status_code == 503
    assert len(httpserver.log) == 2 and len(sleeps) == 1


def test_codes_the_vendor_did_not_name_are_not_retried(httpserver):
    httpserver.expect_request("/send").respond_with_data("no", status=500)
    sleeps = Sleeps()
    with client(httpserver.url_for(""), sleeps) as http:
        assert http.get("/send").status_code == 500
    assert len(httpserver.log) == 1 and sleeps == []


def test_jitter_stays_within_its_bound_and_retry_after_is_respected_up_to_the_maximum(httpserver):
    httpserver.expect_ordered_request("/send").respond_with_data("", status=429, headers={"Retry-After": "3"})
    httpserver.expect_ordered_request("/send").respond_with_data(
        "", status=429, headers={"Retry-After": "3600"}
    )
    httpserver.expect_ordered_request("/send").respond_with_data("", status=429)
    httpserver.expect_ordered_request("/send").respond_with_data("ok")
    sleeps = Sleeps()
    policy = RetryPolicy(attempts=4, statuses=frozenset({429}), initial=0.5, maximum=10, jitter=0.25)
    with client(httpserver.url_for(""), sleeps, retry=policy) as http:
        assert http.get("/send").text == "ok"
    assert sleeps[0] == 3 and sleeps[1] == 10  # the vendor's wait, capped at the policy's maximum
    assert 2.0 <= sleeps[2] <= 2.25  # 0.5 × 2² plus at most the jitter


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_refused_connection_is_retried_then_raised():
    sleeps = Sleeps()
    with client(f"http://127.0.0.1:{free_port()}", sleeps) as http, pytest.raises(httpx.ConnectError):
        http.get("/send")
    assert len(sleeps) == 2


def test_a_timeout_after_sending_is_not_retried(httpserver):
    release = threading.Event()

    def never_answers(request):
        release.wait(5)
        return None

    httpserver.expect_request("/send").respond_with_handler(never_answers)
    sleeps = Sleeps()
    try:
        with client(httpserver.url_for(""), sleeps, timeout=0.3) as http, pytest.raises(httpx.ReadTimeout):
            http.post("/send", data={"text": "may have been sent"})
    finally:
        release.set()
    assert sleeps == []


def test_the_token_bucket_waits_once_the_burst_is_spent():
    now = [100.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    bucket = TokenBucket(rate=2, capacity=2, clock=lambda: now[0], sleep=sleep)
    assert [bucket.take() for _ in range(4)] == [0, 0, 0.5, 0.5]
    now[0] += 10  # idle: the bucket refills to its capacity, not beyond
    assert [bucket.take() for _ in range(3)] == [0, 0, 0.5]


def test_the_bucket_is_shared_per_provider_account():
    one = shared_bucket("acme", "account-1", rate=5)
    assert shared_bucket("acme", "account-1", rate=5) is one
    assert shared_bucket("acme", "account-2", rate=5) is not one
    assert shared_bucket("other", "account-1", rate=5) is not one


def test_every_request_waits_for_its_bucket(httpserver):
    httpserver.expect_request("/send").respond_with_data("ok")
    now, sleeps = [0.0], Sleeps()

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    bucket = TokenBucket(rate=1, capacity=1, clock=lambda: now[0], sleep=sleep)
    with client(httpserver.url_for(""), Sleeps(), bucket=bucket) as http:
        http.get("/send")
        http.get("/send")
    assert sleeps == [1.0] and len(httpserver.log) == 2


def test_logs_are_structured_and_mask_every_secret(httpserver, caplog):
    secret = "F2D79B58-A5A2+SECRET/KEY"
    httpserver.expect_request("/send").respond_with_json({"echo": secret, "status": "OK"})
    caplog.set_level(logging.INFO, logger="kabinet.integrations.http")
    with client(
        httpserver.url_for(""), Sleeps(), secrets=[secret], headers={"Authorization": "Bearer other-token"}
    ) as http:
        http.post("/send", params={"api_id": secret}, data={"api_id": secret, "to": "79161234567"})
    [record] = [r for r in caplog.records if r.name == "kabinet.integrations.http"]
    entry = record.http
    assert entry["provider"] == "acme" and entry["method"] == "POST" and entry["status"] == 200
    assert "to=79161234567" in entry["request_body"] and '"status": "OK"' in entry["response_body"]
    assert entry["request_headers"]["authorization"] == "***"
    everything = repr(entry) + record.getMessage()
    assert "SECRET" not in everything and "other-token" not in everything and "***" in entry["url"]
