"""Outgoing HTTP for every provider: timeouts, retries, per-account rate limits and masked logs in one place.

A provider builds one :class:`HttpClient` and calls ``request``; it never creates an ``httpx`` client of its
own. The client:

- always has a **timeout** (10 s unless the provider says otherwise);
- **retries** with exponential backoff and jitter (tenacity) only on the HTTP statuses the vendor names as
  "try again" (``RetryPolicy.statuses``) and on connection errors where the request surely never reached the
  vendor; a ``Retry-After`` header is respected up to the policy's maximum wait. A timeout after the request
  was sent is *not* retried by default: the vendor may have acted (a text sent, a payment made);
- waits for a **token bucket** shared by every client of the same provider account, so Kabinet stays under
  the vendor's rate limit before the vendor has to refuse (:func:`shared_bucket`). The bucket is per process:
  with N job workers give each ``rate / N``;
- writes one **structured log record** per attempt to ``kabinet.integrations.http`` (``extra["http"]``:
  provider, account, method, URL, request body, status, response body, attempt, milliseconds) with every
  secret value and credential header replaced by ``***``.

Tests serve the vendor's documented answers from a local HTTP server (pytest-httpserver) and pass ``sleep`` /
``clock`` functions, so nothing waits for real time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    retry_if_result,
    stop_after_attempt,
    wait_exponential_jitter,
)

logger = logging.getLogger("kabinet.integrations.http")
MASK = "***"
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})
LOGGED_BODY_CHARS = 2000


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to retry. ``statuses``: the codes the vendor documents as temporary."""

    attempts: int = 3
    statuses: frozenset[int] = frozenset()
    initial: float = 0.5  # seconds before the second attempt; doubles each time
    maximum: float = 10.0
    jitter: float = 0.5  # up to this many random seconds added, so clients do not retry in step
    exceptions: tuple[type[Exception], ...] = (httpx.ConnectError, httpx.ConnectTimeout)


class TokenBucket:
    """``rate`` requests per second with bursts of ``capacity``; ``take`` waits until a token is free."""

    def __init__(
        self,
        rate: float,
        capacity: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Any] = time.sleep,
    ) -> None:
        self.rate, self.capacity = rate, capacity
        self.clock, self.sleep = clock, sleep
        self.tokens, self.updated = capacity, clock()
        self.lock = threading.Lock()

    def take(self) -> float:
        """Take one token, sleeping if none is left; answers the seconds waited."""
        with self.lock:
            now = self.clock()
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            self.tokens -= 1  # reserved now, so concurrent callers queue behind each other
            wait = max(0.0, -self.tokens / self.rate)
        if wait:
            self.sleep(wait)
        return wait


_buckets: dict[tuple[str, str], TokenBucket] = {}
_buckets_lock = threading.Lock()


def shared_bucket(provider: str, account: str, *, rate: float, capacity: float = 1.0) -> TokenBucket:
    """The one bucket of a provider account in this process (created on first use)."""
    with _buckets_lock:
        key = (provider, account)
        if key not in _buckets:
            _buckets[key] = TokenBucket(rate, capacity)
        return _buckets[key]


def mask(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (raw, URL-encoded or form-encoded) replaced by ``***``."""
    for secret in secrets:
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            text = text.replace(form, MASK)
    return text


def masked_headers(headers: Mapping[str, str], secrets: Iterable[str]) -> dict[str, str]:
    return {
        name: MASK if name.lower() in SECRET_HEADERS else mask(value, secrets)
        for name, value in headers.items()
    }


class HttpClient:
    """The HTTP client of one provider account. Use as a context manager or call ``close``."""

    def __init__(
        self,
        *,
        provider: str,
        account: str = "",
        base_url: str = "",
        timeout: float | httpx.Timeout = 10.0,
        retry: RetryPolicy | None = None,
        bucket: TokenBucket | None = None,
        secrets: Iterable[str] = (),
        headers: Mapping[str, str] | None = None,
        sleep: Callable[[float], Any] = time.sleep,
    ) -> None:
        self.provider, self.account = provider, account or provider
        self.retry = retry or RetryPolicy()
        self.bucket, self.sleep = bucket, sleep
        # Values shorter than 4 characters would mask unrelated text and are no secret worth the name.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)
        self.http = httpx.Client(base_url=base_url, timeout=timeout, headers=headers)

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send with the policy's retries; answers the last response (even a retryable one when attempts ran
        out) and raises ``httpx.HTTPError`` only when no response came at all."""
        attempts = 0

        def once() -> httpx.Response:
            nonlocal attempts
            attempts += 1
            if self.bucket is not None:
                self.bucket.take()
            request = self.http.build_request(method, url, **kwargs)
            started = time.monotonic()
            try:
                response = self.http.send(request)
                response.read()
            except httpx.HTTPError as error:
                self.log(request, None, attempts, started, error)
                raise
            self.log(request, response, attempts, started)
            return response

        retrying = Retrying(
            stop=stop_after_attempt(self.retry.attempts),
            wait=self.wait,
            retry=retry_if_result(self.retryable) | retry_if_exception_type(self.retry.exceptions),
            sleep=self.sleep,
            # Out of attempts: hand back the last response (or raise its error) instead of tenacity's RetryError.
            retry_error_callback=lambda state: state.outcome.result(),
        )
        return retrying(once)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def retryable(self, response: httpx.Response) -> bool:
        return response.status_code in self.retry.statuses

    def wait(self, state: RetryCallState) -> float:
        policy = self.retry
        seconds = wait_exponential_jitter(
            multiplier=policy.initial, max=policy.maximum, jitter=policy.jitter
        )(state)
        outcome = state.outcome
        if outcome is not None and not outcome.failed:
            retry_after = outcome.result().headers.get("Retry-After", "")
            if retry_after.isdigit():  # the vendor says how long; never longer than the policy allows
                seconds = max(seconds, min(float(retry_after), policy.maximum))
        return seconds

    def log(
        self,
        request: httpx.Request,
        response: httpx.Response | None,
        attempt: int,
        started: float,
        error: Exception | None = None,
    ) -> None:
        body = request.content.decode("utf-8", "replace")[:LOGGED_BODY_CHARS]
        record: dict[str, Any] = {
            "provider": self.provider,
            "account": self.account,
            "method": request.method,
            "url": mask(str(request.url), self.secrets),
            "request_headers": masked_headers(request.headers, self.secrets),
            "request_body": mask(body, self.secrets),
            "attempt": attempt,
            "ms": round((time.monotonic() - started) * 1000),
        }
        if response is not None:
            record["status"] = response.status_code
            record["response_body"] = mask(response.text[:LOGGED_BODY_CHARS], self.secrets)
        else:
            record["error"] = mask(f"{type(error).__name__}: {error}", self.secrets)
        failed = response is None or response.status_code >= 400
        logger.log(
            logging.WARNING if failed else logging.INFO,
            "%s %s %s → %s (attempt %s, %s ms)",
            self.provider,
            record["method"],
            record["url"],
            record.get("status", record.get("error")),
            attempt,
            record["ms"],
            extra={"http": record},
        )
