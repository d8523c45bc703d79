"""The :class:`kabinet.core.providers.ConfigStore` the integrations app installs: staff's rows."""

from __future__ import annotations

from kabinet.core.crypto import UnreadableSecret
from kabinet.core.providers import ProviderError
from kabinet.integrations.models import ProviderAccount


def readable(account: ProviderAccount) -> dict[str, str]:
    try:
        return account.config()
    except UnreadableSecret as error:  # the secret key changed without the old one among the fallbacks
        raise ProviderError(f"{account}: {error}") from error


class DatabaseStore:
    """Reads :class:`ProviderAccount` rows; one indexed query per lookup."""

    def active(self, kind: str) -> tuple[str, dict[str, str]] | None:
        account = ProviderAccount.objects.filter(kind=kind, active=True).first()
        return (account.provider, readable(account)) if account else None

    def config(self, kind: str, provider_id: str) -> dict[str, str]:
        account = ProviderAccount.objects.filter(kind=kind, provider=provider_id).first()
        return readable(account) if account else {}
