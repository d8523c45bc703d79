"""CRM events through the ``webhooks`` inbox: the request is stored raw by the inbox view, and this handler,
run by the inbox job, checks it with the vendor's rule and re-fetches each named deal (never trusting the
body's values)."""

from __future__ import annotations

from typing import Any

from kabinet.core.providers.crm import CrmError
from kabinet.sync import engine
from kabinet.sync.models import Connection
from kabinet.webhooks.inbox import register_handler
from kabinet.webhooks.models import InboxEvent

PROVIDER = "crm"


def handle(event: InboxEvent) -> dict[str, Any]:
    connection = Connection.objects.filter(inbox_source_id=event.source_id).first()
    if connection is None or not connection.is_active:
        return {"ignored": "no active connection"}
    provider = engine.provider_for(connection)
    try:
        deal_ids = provider.webhook_deal_ids(bytes(event.body), event.headers.get("Content-Type", ""))
    except CrmError as error:
        return {"refused": error.message}  # a forged or foreign event: stored, answered, never acted on
    runs = [engine.pull_deal(connection, deal_id, kind="webhook").pk for deal_id in deal_ids[:50]]
    return {"deals": deal_ids[:50], "runs": runs}


def register() -> None:
    register_handler(PROVIDER, handle)
