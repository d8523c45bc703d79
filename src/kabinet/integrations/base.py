"""What a provider module imports: the framework of :mod:`kabinet.core.providers` and the HTTP helper.

The definitions live in ``core`` because the facades domains call must reach the registries without importing
``integrations``; provider authors import them from here so a provider folder depends on one module::

    from kabinet.integrations.base import ConfigField, HttpClient, RetryPolicy
    from kabinet.core.providers.sms import SmsMessage, SmsProvider, SmsResult
"""

from kabinet.core.providers import ConfigField, Provider, ProviderError, ProviderKind, kinds
from kabinet.integrations.http import HttpClient, RetryPolicy, TokenBucket, shared_bucket

__all__ = [
    "ConfigField",
    "HttpClient",
    "Provider",
    "ProviderError",
    "ProviderKind",
    "RetryPolicy",
    "TokenBucket",
    "kinds",
    "shared_bucket",
]
