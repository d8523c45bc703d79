"""The embedded-mode channel layer: Channels' in-process layer, without its per-call full scan.

``channels.layers.InMemoryChannelLayer`` walks every channel and group looking for expired messages on each
``receive`` and ``group_send``: with N open sockets every event costs O(N), and opening N sockets O(N²)
(measured: 10,000 idle connections took ten minutes to open and pushed p95 delivery to 3 s). Expiry is
housekeeping, so this layer does it at most once per ``cleanup_interval`` seconds.
"""

from __future__ import annotations

import time

from channels.layers import InMemoryChannelLayer


class ThrottledInMemoryChannelLayer(InMemoryChannelLayer):
    def __init__(self, *args, cleanup_interval: float = 5.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.cleanup_interval = cleanup_interval
        self._last_cleanup = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_cleanup < self.cleanup_interval:
            return
        self._last_cleanup = now
        super()._clean_expired()
