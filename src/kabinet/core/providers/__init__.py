"""The provider framework (DESIGN.md section 7): one pattern for every kind of outside service.

A **provider** is a class with an ``id``, a ``kind`` (``sms``, later ``payments``, ``crm``, ``pbx``…), a
``label``, a ``config_schema`` (the settings staff fill in, secrets marked), an ``offline`` flag (nothing leaves
the machine: the demo and the tests use these) and the typed operations of its kind's contract, which take and
return dataclasses. A **kind** (:class:`ProviderKind`) is the registry of the providers of one contract and
answers which one is active:

1. the environment variable of the kind (``KABINET_SMS_PROVIDER``) pins a provider in a deployment;
2. otherwise the provider staff marked active in the back office, with the credentials they stored (encrypted
   at rest, see :mod:`kabinet.core.crypto`);
3. otherwise the kind's offline default.

The contract and its **facade** (the functions domain code calls, e.g. :func:`kabinet.core.providers.sms.deliver`)
live in ``core`` or in the domain that owns them; providers implement the contract under
``kabinet/integrations/<kind>/<provider>/`` and register there. This module lives in ``core`` because the
facades must reach the registry while ``core`` and the domains never import ``integrations``: the integrations
app registers its providers and installs the :class:`ConfigStore` that reads staff's choice from
``IntegrationsConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Generic, Protocol, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ProviderError(Exception):
    """A provider cannot be used: unknown id, or its stored configuration is incomplete."""


@dataclass(frozen=True)
class ConfigField:
    """One setting of a provider. ``secret`` values are stored encrypted and never shown again in full."""

    name: str
    label: str | Promise
    secret: bool = False
    required: bool = True
    default: str = ""
    help_text: str | Promise = ""


class Provider:
    """Base of every provider. Subclass a kind's contract (e.g. ``SmsProvider``), not this class directly."""

    id: ClassVar[str]
    kind: ClassVar[str]
    label: ClassVar[str | Promise]
    # Nothing leaves the machine (files, memory, console): what the demo and the tests use.
    offline: ClassVar[bool] = False
    config_schema: ClassVar[tuple[ConfigField, ...]] = ()

    def __init__(self, config: Mapping[str, str] | None = None) -> None:
        try:
            self.config: dict[str, str] = self.clean_config(config or {})
        except ValidationError as error:
            raise ProviderError(
                f"{self.kind} provider {self.id!r} is not configured: {error.messages}"
            ) from error

    @classmethod
    def clean_config(cls, data: Mapping[str, str]) -> dict[str, str]:
        """The provider's settings from ``data``: known names only, stripped, defaults applied.

        Raises a ``ValidationError`` keyed by field name for a missing required value, so a form can show it
        at the field.
        """
        cleaned, errors = {}, {}
        for item in cls.config_schema:
            value = str(data.get(item.name) or "").strip() or item.default
            if item.required and not value:
                errors[item.name] = ValidationError(_("This setting is required."), code="required")
            cleaned[item.name] = value
        if errors:
            raise ValidationError(errors)
        return cleaned

    @property
    def account(self) -> str:
        """Which vendor account this instance talks to (rate limits are kept per account). Not a secret."""
        return self.id


class ConfigStore(Protocol):
    """Where staff's choice lives (the integrations app's ``ProviderAccount`` rows)."""

    def active(self, kind: str) -> tuple[str, dict[str, str]] | None:
        """The provider staff marked active for ``kind`` and its decrypted settings, or ``None``."""

    def config(self, kind: str, provider_id: str) -> dict[str, str]:
        """The stored settings of one provider (empty when staff stored none)."""


_store: ConfigStore | None = None


def set_store(store: ConfigStore | None) -> None:
    """Installed by the integrations app; without a store only the pin and the offline default apply."""
    global _store
    _store = store


P = TypeVar("P", bound=Provider)
KINDS: dict[str, ProviderKind] = {}


class ProviderKind(Generic[P]):
    """The registry of one kind of provider and the rule that picks the active one."""

    def __init__(
        self, kind: str, *, label: str | Promise, contract: type[P], default: str, pin_setting: str
    ) -> None:
        self.kind, self.label, self.contract = kind, label, contract
        self.default, self.pin_setting = default, pin_setting
        self._providers: dict[str, type[P]] = {}
        KINDS[kind] = self

    def register(self, provider: type[P]) -> type[P]:
        """Make ``provider`` available under its ``id`` (usable as a class decorator)."""
        if not issubclass(provider, self.contract) or provider.kind != self.kind:
            raise TypeError(f"{provider!r} does not implement the {self.kind} contract")
        self._providers[provider.id] = provider
        return provider

    def unregister(self, provider_id: str) -> None:
        self._providers.pop(provider_id, None)

    def get(self, provider_id: str) -> type[P]:
        try:
            return self._providers[provider_id]
        except KeyError:
            raise LookupError(f"unknown {self.kind} provider {provider_id!r} ({self.pin_setting})") from None

    def providers(self) -> list[type[P]]:
        """Every registered provider, offline ones last (what the back office offers)."""
        return sorted(self._providers.values(), key=lambda p: (p.offline, p.id))

    def pinned(self) -> str:
        """The provider id the environment pins, or ``""`` when staff choose."""
        return str(getattr(settings, self.pin_setting, "") or "")

    def build(self, provider_id: str, config: Mapping[str, str] | None = None) -> P:
        """An instance of one provider with ``config``, or with what staff stored for it."""
        provider = self.get(provider_id)
        if config is None:
            # Providers without settings (the offline ones) cost no query.
            config = _store.config(self.kind, provider_id) if provider.config_schema and _store else {}
        return provider(config)

    def active(self) -> P:
        """The provider in use: pinned by the environment, else chosen by staff, else the offline default."""
        pinned = self.pinned()
        if pinned:
            return self.build(pinned)
        chosen = _store.active(self.kind) if _store else None
        if chosen is None:
            return self.build(self.default, {})
        provider_id, config = chosen
        try:
            return self.build(provider_id, config)
        except LookupError as error:  # staff's choice outlived its code: refuse, as for missing settings
            raise ProviderError(
                f"the chosen {self.kind} provider {provider_id!r} is not installed"
            ) from error


def kinds() -> list[ProviderKind]:
    """Every kind a contract module declared, by name."""
    return [KINDS[name] for name in sorted(KINDS)]


def get_kind(kind: str) -> ProviderKind:
    try:
        return KINDS[kind]
    except KeyError:
        raise LookupError(f"unknown provider kind {kind!r}") from None
