"""Fixtures for the sign-in tests: clean rate limits and helpers (``sms_outbox`` is a global fixture)."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clean_rate_limits():
    """Rate limits live in the cache, which outlives a test's database transaction."""
    cache.clear()
    yield
    cache.clear()


def code_in(text: str) -> str:
    match = re.search(r"\b(\d{6})\b", text)
    assert match, f"no 6-digit code in {text!r}"
    return match.group(1)


def english_client():
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def client():
    """Anonymous visitors get the default language (Russian); these tests read the English texts."""
    return english_client()
