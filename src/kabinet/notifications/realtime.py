"""Publishing live events to open WebSocket connections through the channel layer.

Groups carry only ids: every consumer loads what an event names through the viewer-scoped selectors of its
own connection, so an event sent to the wrong group still cannot show anything the pages would not.
In embedded mode the layer lives in the web process; in scaled mode Redis fans events out to every process.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

STAFF_GROUP = "kabinet.staff"


def contact_group(contact_id: int) -> str:
    """Every open tab of one client (all his companies: each connection filters by its own viewer)."""
    return f"kabinet.contact.{contact_id}"


def publish(group: str, event: dict[str, Any]) -> None:
    """Send ``event`` to ``group`` now. A broken layer must not break the request that caused the event."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:  # noqa: BLE001 — Redis down: the pages still show everything on the next load
        logger.exception("could not publish %s to %s", event.get("type"), group)


def publish_on_commit(group: str, event: dict[str, Any]) -> None:
    transaction.on_commit(lambda: publish(group, event))
