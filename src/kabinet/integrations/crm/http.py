"""What every CRM connector needs around :class:`~kabinet.integrations.http.HttpClient`: the account's rate
bucket (shared per process in production, on a virtual clock in tests) and the OAuth refresh bookkeeping.

A test builds a provider with ``sleep=`` (the waits it records instead of sleeping): the bucket then runs on a
clock that moves only by the waits it asked for, so the same calls ask for the same waits on any machine, at
any speed, and nothing waits for real time.
"""

from __future__ import annotations

from kabinet.core.providers.crm import CrmError, CrmProvider
from kabinet.integrations.http import TokenBucket, shared_bucket


def account_bucket(provider: CrmProvider, *, rate: float, capacity: float) -> TokenBucket:
    """The token bucket of the provider's vendor account: ``rate`` calls a second, bursts of ``capacity``."""
    if provider.sleep is None:
        return shared_bucket(provider.id, provider.account, rate=rate, capacity=capacity)
    bucket = provider.__dict__.get("test_bucket")
    if bucket is None:
        elapsed = [0.0]
        test_sleep = provider.sleep

        def sleep(seconds: float) -> None:
            elapsed[0] += seconds
            test_sleep(seconds)

        bucket = TokenBucket(rate, capacity, clock=lambda: elapsed[0], sleep=sleep)
        provider.__dict__["test_bucket"] = bucket
    return bucket


def store_tokens(provider: CrmProvider, *, access_token: str, refresh_token: str = "") -> None:
    """Keep a refreshed OAuth pair, and hand it to the connection to store (encrypted) before the old
    refresh token stops working."""
    provider.config = {
        **provider.config,
        "access_token": access_token,
        "refresh_token": refresh_token or provider.config.get("refresh_token", ""),
    }
    provider.save_config(dict(provider.config))


# The HTTP statuses every vendor means the same by, and what the engine does with them (CrmError codes).
REFUSALS = {401: "auth", 403: "auth", 402: "unpaid", 404: "not_found", 429: "rate_limited"}


def raise_for_status(status: int, message: str) -> None:
    """Raise the ``CrmError`` of a refusing status (``refused`` for any other 4xx/5xx) with the vendor's words."""
    if status >= 400:
        raise CrmError(REFUSALS.get(status, "refused"), message or f"HTTP {status}")
