"""The embedded channel layer: delivers like Channels' own, cleans expired messages only now and then."""

from __future__ import annotations

import asyncio

from kabinet.notifications.layers import ThrottledInMemoryChannelLayer
from kabinet.testing.sockets import run_async


def test_group_messages_arrive_and_expired_ones_are_cleaned_on_the_interval():
    async def scenario():
        layer = ThrottledInMemoryChannelLayer(expiry=1, cleanup_interval=3600)
        listener = await layer.new_channel()
        await layer.group_add("kabinet.contact.1", listener)
        await layer.group_send("kabinet.contact.1", {"type": "chat.message", "id": 7})
        assert (await layer.receive(listener))["id"] == 7  # the first call also cleaned up
        stale = await layer.new_channel()
        await layer.send(stale, {"type": "never read"})
        await asyncio.sleep(1.2)  # now expired
        await layer.send(listener, {"type": "y"})
        assert (await layer.receive(listener))["type"] == "y"
        assert stale in layer.channels  # no scan of every channel on each call...
        layer._last_cleanup = 0  # ...until the interval has passed
        await layer.send(listener, {"type": "z"})
        assert (await layer.receive(listener))["type"] == "z"
        assert stale not in layer.channels

    run_async(scenario)
