"""Fixtures the CRM's tests share with the accounts' tests."""

from kabinet.accounts.tests.conftest import sms_outbox  # noqa: F401  (the SMS provider's offline outbox)
