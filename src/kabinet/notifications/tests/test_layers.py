"""The embedded channel layer: delivers like Channels' own, cleans expired messages only now and then."""

from __future__ import annotations

import asyncio
import time
from unittest import mock

from kabinet.notifications.layers import ThrottledInMemoryChannelLayer
from kabinet.testing.sockets import run_async


def test_group_messages_arrive_and_expired_ones_are_cleaned_on_the_interval():
    async def scenario():
        layer = ThrottledInMemoryChannelLayer(expiry=60, cleanup_interval=3600)
        listener = await layer.new_channel()
        await layer.group_add("kabinet.contact.1", listener)
        await layer.group_send("kabinet.contact.1", {"type": "chat.message", "id": 7})
        assert (await layer.receive(listener))["id"] == 7  # the first call also cleaned up
        stale = await layer.new_channel()
        await layer.group_add("kabinet.contact.1", stale)
        await layer.send(stale, {"type": "never read"})
        real_time = time.time
        with mock.patch("time.time", return_value=real_time() + 120):  # the stale message has expired
            await layer.send(listener, {"type": "y"})
            assert (await layer.receive(listener))["type"] == "y"
            assert stale in layer.channels  # no scan of every channel on each call...
            with mock.patch(
                "time.monotonic", return_value=layer.last_cleanup + 3601
            ):  # ...until the interval
                await layer.send(listener, {"type": "z"})
                assert (await layer.receive(listener))["type"] == "z"
        assert stale not in layer.channels
        assert (
            stale not in layer.groups["kabinet.contact.1"]
        )  # a channel with an expired message leaves groups

    run_async(scenario)


def test_the_first_cleanup_runs_whatever_the_monotonic_clock_reads():
    """A machine up for seconds has a small monotonic clock; the first call must clean up all the same."""

    async def scenario():
        layer = ThrottledInMemoryChannelLayer(expiry=60, cleanup_interval=3600)
        stale = await layer.new_channel()
        await layer.send(stale, {"type": "old"})
        listener = await layer.new_channel()
        real_time = time.time
        with (
            mock.patch("time.monotonic", return_value=1.5),
            mock.patch("time.time", return_value=real_time() + 120),
        ):
            await layer.send(listener, {"type": "x"})
            assert (await layer.receive(listener))["type"] == "x"
        assert stale not in layer.channels

    run_async(scenario)


def test_a_waiting_receiver_gets_the_message_and_a_cancelled_one_loses_nothing():
    async def scenario():
        layer = ThrottledInMemoryChannelLayer()
        channel = await layer.new_channel()
        cancelled = asyncio.ensure_future(layer.receive(channel))
        await asyncio.sleep(0)
        cancelled.cancel()
        waiting = asyncio.ensure_future(layer.receive(channel))
        await asyncio.sleep(0)
        await layer.send(channel, {"type": "a"})
        await layer.send(channel, {"type": "b"})
        assert (await asyncio.wait_for(waiting, 1))["type"] == "a"
        assert (await asyncio.wait_for(layer.receive(channel), 1))["type"] == "b"
        assert channel not in layer.channels  # an empty channel with no receiver is forgotten

    run_async(scenario)


def test_a_full_channel_refuses_and_group_send_skips_it():
    async def scenario():
        from channels.exceptions import ChannelFull

        layer = ThrottledInMemoryChannelLayer(capacity=1)
        full, other = await layer.new_channel(), await layer.new_channel()
        await layer.group_add("g", full)
        await layer.group_add("g", other)
        await layer.send(full, {"type": "first"})
        try:
            await layer.send(full, {"type": "second"})
        except ChannelFull:
            pass
        else:
            raise AssertionError("a full channel must refuse")
        await layer.group_send("g", {"type": "to all"})
        assert (await layer.receive(other))["type"] == "to all"
        assert (await layer.receive(full))["type"] == "first"

    run_async(scenario)
