"""No timestamp: the seal stays PAdES B-B (the default until staff configure a timestamp server)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kabinet.core.providers.timestamp import TimestampProvider, TimestampResult


class NoTimestampProvider(TimestampProvider):
    id = "none"
    label = _("No timestamp (PAdES B-B)")
    offline = True
    stamps = False

    def stamp(self, request: bytes) -> TimestampResult:
        return TimestampResult(provider=self.id, accepted=False, error="no timestamp server", retry=False)
