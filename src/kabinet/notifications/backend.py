"""The delivery backend installed into ``kabinet.core.notify`` (see NotificationsConfig.ready)."""

from __future__ import annotations

from kabinet.core.notify import Notice


def deliver(notice: Notice) -> None:
    """Store the notice in the caller's transaction; channels are scheduled on commit (see actions)."""
    from kabinet.notifications.actions import record_notice

    record_notice(notice=notice)
