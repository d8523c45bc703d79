"""The embedded-mode channel layer: in-process, like Channels' ``InMemoryChannelLayer``, without its full scans.

Channels' in-memory layer walks every channel and group looking for expired messages on each ``receive`` and
``group_send``: with N open sockets every event costs O(N), and opening N sockets O(N²) (measured: 10,000 idle
connections took ten minutes to open and pushed p95 delivery to 3 s). Expiry is housekeeping, so this layer
does it at most once per ``cleanup_interval`` seconds, and the first time whenever it is first asked.

It is our own implementation of Channels' public layer interface (``BaseChannelLayer``: ``send``,
``receive``, ``new_channel``, the ``groups`` and ``flush`` extensions), so no private method of Channels is
overridden. The semantics follow Channels' layer: a message expires ``expiry`` seconds after it was sent, a
channel holding an expired message leaves every group, a group membership ends after ``group_expiry``.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import string
import time
from collections import deque
from copy import deepcopy
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import BaseChannelLayer


class _Mailbox:
    """One channel's messages (each with its expiry time) and the receivers waiting for the next one."""

    __slots__ = ("messages", "waiters")

    def __init__(self) -> None:
        self.messages: deque[tuple[float, dict[str, Any]]] = deque()
        self.waiters: deque[asyncio.Future] = deque()


class ThrottledInMemoryChannelLayer(BaseChannelLayer):
    extensions = ["groups", "flush"]

    def __init__(
        self,
        expiry: int = 60,
        group_expiry: int = 86400,
        capacity: int = 100,
        channel_capacity: dict | None = None,
        cleanup_interval: float = 5.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(expiry=expiry, capacity=capacity, channel_capacity=channel_capacity, **kwargs)
        self.group_expiry = group_expiry
        self.cleanup_interval = cleanup_interval
        self.channels: dict[str, _Mailbox] = {}
        self.groups: dict[str, dict[str, float]] = {}
        self.last_cleanup: float | None = None  # None: the first call cleans up, whatever the clock reads

    # --- channels ------------------------------------------------------------------------------------------

    async def send(self, channel: str, message: dict) -> None:
        if not isinstance(message, dict):
            raise TypeError("message is not a dict")
        self.require_valid_channel_name(channel)
        if "__asgi_channel__" in message:
            raise ValueError("message must not carry __asgi_channel__")
        mailbox = self.channels.setdefault(channel, _Mailbox())
        if len(mailbox.messages) >= self.get_capacity(channel):
            raise ChannelFull(channel)
        mailbox.messages.append((time.time() + self.expiry, deepcopy(message)))
        # Wake one receiver; it takes the message from the mailbox itself, so a receiver cancelled in
        # between loses nothing: the message stays for the next one.
        while mailbox.waiters:
            waiter = mailbox.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                break

    async def receive(self, channel: str) -> dict:
        self.require_valid_channel_name(channel)
        self.clean_expired_now_and_then()
        mailbox = self.channels.setdefault(channel, _Mailbox())
        try:
            while not mailbox.messages:
                waiter = asyncio.get_running_loop().create_future()
                mailbox.waiters.append(waiter)
                try:
                    await waiter
                finally:
                    if waiter in mailbox.waiters:
                        mailbox.waiters.remove(waiter)
                if self.channels.get(channel) is not mailbox:  # flushed meanwhile
                    mailbox = self.channels.setdefault(channel, _Mailbox())
            _, message = mailbox.messages.popleft()
            if mailbox.messages and mailbox.waiters:  # more to hand out: pass the turn on
                waiter = mailbox.waiters.popleft()
                if not waiter.done():
                    waiter.set_result(None)
            return message
        finally:
            self._forget_if_idle(channel, mailbox)

    async def new_channel(self, prefix: str = "specific.") -> str:
        suffix = "".join(secrets.choice(string.ascii_letters) for _ in range(12))
        return f"{prefix}.inmemory!{suffix}"

    def _forget_if_idle(self, channel: str, mailbox: _Mailbox) -> None:
        if not mailbox.messages and not mailbox.waiters and self.channels.get(channel) is mailbox:
            del self.channels[channel]

    # --- expiry --------------------------------------------------------------------------------------------

    def clean_expired_now_and_then(self) -> None:
        """Run :meth:`clean_expired` unless it ran less than ``cleanup_interval`` seconds ago."""
        now = time.monotonic()
        if self.last_cleanup is not None and now - self.last_cleanup < self.cleanup_interval:
            return
        self.last_cleanup = now
        self.clean_expired()

    def clean_expired(self) -> None:
        """Drop expired messages (their channels leave every group) and group memberships past their age."""
        now = time.time()
        for channel, mailbox in list(self.channels.items()):
            expired = False
            while mailbox.messages and mailbox.messages[0][0] < now:
                mailbox.messages.popleft()
                expired = True
            if expired:
                for members in self.groups.values():
                    members.pop(channel, None)
            self._forget_if_idle(channel, mailbox)
        oldest = now - self.group_expiry
        for group, members in list(self.groups.items()):
            for channel, joined in list(members.items()):
                if joined < oldest:
                    del members[channel]
            if not members:
                del self.groups[group]

    # --- flush extension -----------------------------------------------------------------------------------

    async def flush(self) -> None:
        self.channels = {}
        self.groups = {}

    async def close(self) -> None:
        """Nothing to release: everything lives in this process."""

    # --- groups extension ----------------------------------------------------------------------------------

    async def group_add(self, group: str, channel: str) -> None:
        self.require_valid_group_name(group)
        self.require_valid_channel_name(channel)
        self.groups.setdefault(group, {})[channel] = time.time()

    async def group_discard(self, group: str, channel: str) -> None:
        self.require_valid_channel_name(channel)
        self.require_valid_group_name(group)
        members = self.groups.get(group)
        if members:
            members.pop(channel, None)
            if not members:
                self.groups.pop(group, None)

    async def group_send(self, group: str, message: dict) -> None:
        if not isinstance(message, dict):
            raise TypeError("message is not a dict")
        self.require_valid_group_name(group)
        self.clean_expired_now_and_then()
        for channel in list(self.groups.get(group, {})):
            # as Channels' layers do: a full listener misses the event, the others still get it
            with contextlib.suppress(ChannelFull):
                await self.send(channel, message)
