"""Fixtures for the sign-in tests: an in-memory SMS outbox, clean rate limits, and helpers."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from kabinet.integrations.sms import offline


@pytest.fixture(autouse=True)
def _clean_rate_limits():
    """Rate limits live in the cache, which outlives a test's database transaction."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sms_outbox(settings):
    settings.KABINET_SMS_PROVIDER = "memory"
    offline.outbox.clear()
    yield offline.outbox
    offline.outbox.clear()


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
