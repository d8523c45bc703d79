"""Test helpers for payment providers (``kabinet.testing`` may use every app, tests import it)."""

from __future__ import annotations

from typing import Any

SHOP_ID, SECRET_KEY = "506751", "test_secret_key_of_the_shop"


def use_yookassa(settings: Any, url: str) -> None:
    """Make YooKassa the active payment provider with test credentials, talking to ``url``."""
    from kabinet.integrations.actions import configure_provider

    settings.KABINET_PAYMENTS_PROVIDER = ""
    settings.KABINET_YOOKASSA_URL = url.rstrip("/")
    configure_provider(
        actor=None,
        kind="payments",
        provider_id="yookassa",
        config={"shop_id": SHOP_ID, "secret_key": SECRET_KEY, "tax_system_code": "2"},
        active=True,
    )


STRIPE_KEY = "sk_test_51Kabinet0000000000000000"


def use_stripe(settings: Any, url: str) -> None:
    """Make Stripe the active payment provider with a test key, talking to ``url``."""
    from kabinet.integrations.actions import configure_provider

    settings.KABINET_PAYMENTS_PROVIDER = ""
    settings.KABINET_STRIPE_URL = url.rstrip("/")
    configure_provider(
        actor=None, kind="payments", provider_id="stripe", config={"secret_key": STRIPE_KEY}, active=True
    )
