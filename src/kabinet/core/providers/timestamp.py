"""The timestamp contract (RFC 3161) and its facade: what signing calls to put a trusted time on its seal
(PAdES B-T).

A provider takes a DER-encoded ``TimeStampReq`` and answers the DER-encoded ``TimeStampResp`` of its time-stamping
authority (TSA). The active provider is pinned by ``KABINET_TIMESTAMP_PROVIDER`` or chosen by staff in the back
office (*Integrations → Providers*, kind "Timestamp server"); nothing chosen means ``none``: the seal stays
PAdES B-B. ``local`` is the offline TSA of the demo and the tests. Providers live under
``kabinet/integrations/timestamp/<provider>/``.

:func:`stamp` never raises for a refusal or an unreachable server: the caller seals without a timestamp, marks
it pending and tries again later.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from django.utils.translation import gettext_lazy as _

from kabinet.core.providers import Provider, ProviderError, ProviderKind

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TimestampResult:
    """The TSA's answer: the DER ``TimeStampResp`` (its status may still be a refusal), or why there is none."""

    provider: str
    accepted: bool
    response: bytes = b""
    error: str = ""  # for staff and the logs
    retry: bool = True  # a server down or busy: try again later


class TimestampProvider(Provider):
    """A time-stamping authority. ``stamps = False`` for the provider that means "no timestamp"."""

    kind = "timestamp"
    stamps: ClassVar[bool] = True

    @abstractmethod
    def stamp(self, request: bytes) -> TimestampResult:
        """Send the DER ``TimeStampReq`` and answer the TSA's DER ``TimeStampResp``."""


registry: ProviderKind[TimestampProvider] = ProviderKind(
    "timestamp",
    label=_("Timestamp server (RFC 3161)"),
    contract=TimestampProvider,
    default="none",
    pin_setting="KABINET_TIMESTAMP_PROVIDER",
)


def active() -> TimestampProvider | None:
    """The provider seals get their timestamp from, or None when none is wanted (PAdES B-B)."""
    try:
        provider = registry.active()
    except (ProviderError, LookupError) as error:
        # Staff chose a server whose settings cannot be read: seal B-B and say so; the seal is still valid.
        logger.warning("the timestamp server cannot be used: %s", error)
        return None
    return provider if provider.stamps else None


def stamp(provider: TimestampProvider, request: bytes) -> TimestampResult:
    """``request`` at ``provider``; an exception of a provider comes back as a result to retry."""
    try:
        result = provider.stamp(request)
    except Exception as error:  # noqa: BLE001 - a provider's bug must not stop a signature: seal B-B, retry
        logger.exception("timestamp provider %r failed", provider.id)
        result = TimestampResult(provider=provider.id, accepted=False, error=str(error))
    if not result.accepted:
        logger.warning("timestamp refused by %r: %s", provider.id, result.error)
    return result
