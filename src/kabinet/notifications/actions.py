"""All writes of the notification centre: storing notices, read and seen marks, preferences, push
subscriptions, and the outside delivery of one notice through every channel the client wants."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from kabinet.core.audit import record_audit
from kabinet.core.notify import Notice
from kabinet.core.viewer import Viewer
from kabinet.notifications import realtime
from kabinet.notifications.events import event_kind
from kabinet.notifications.models import Delivery, Notification, Preference, PushSubscription
from kabinet.notifications.selectors import notifications_visible_to

logger = logging.getLogger(__name__)
PREVIEWS_KEPT = 5


class RetryLater(Exception):
    """A channel failed for a reason that may pass (SMTP down, push service 5xx): the job retries."""


def _schedule(notification: Notification, delay: float) -> None:
    from kabinet.notifications.tasks import deliver_notification

    pk = notification.pk
    if delay > 0:
        transaction.on_commit(lambda: deliver_notification.schedule((pk,), delay=delay))
    else:
        transaction.on_commit(lambda: deliver_notification(pk))


@transaction.atomic
def record_notice(*, notice: Notice) -> Notification:
    """Store a notice in the client's centre (in the caller's transaction) and, after commit, tell his open
    tabs and schedule the outside channels: at once, or for grouped kinds after the batch delay."""
    kind = event_kind(notice.event)
    now = timezone.now()
    params = dict(notice.params)
    notification = None
    if kind.grouped and notice.subject_public_id:
        notification = (
            Notification.objects.select_for_update()
            .filter(
                contact_id=notice.contact_id,
                company_id=notice.company_id,
                event=notice.event,
                subject_public_id=notice.subject_public_id,
                read_at__isnull=True,
                **(
                    {"last_at__gte": now - datetime.timedelta(seconds=kind.group_within)}
                    if kind.group_within
                    else {}
                ),
            )
            .order_by("-last_at", "-id")
            .first()
        )
    if notification is not None:
        previews = [*notification.params.get("previews", []), params.get("preview", "")][-PREVIEWS_KEPT:]
        notification.params = {**notification.params, **params, "previews": previews}
        notification.count += 1
        notification.last_at = now
        notification.seen_at = None
        notification.url = notice.url or notification.url
        notification.channels_done = sorted(set(notification.channels_done) & set(notice.channels_done))
    else:
        if kind.grouped:
            params["previews"] = [params.get("preview", "")]
        notification = Notification(
            contact_id=notice.contact_id,
            company_id=notice.company_id,
            event=notice.event,
            params=params,
            url=notice.url,
            subject_public_id=notice.subject_public_id,
            last_at=now,
            channels_done=sorted(notice.channels_done),
        )
    delay = float(settings.KABINET_NOTIFY_BATCH_DELAY) if kind.grouped else 0.0
    schedule = notification.outside_due_at is None
    if schedule:
        notification.outside_due_at = now + datetime.timedelta(seconds=delay)
    notification.save()
    if schedule:
        _schedule(notification, delay)
    realtime.publish_on_commit(
        realtime.contact_group(notice.contact_id), {"type": "notification.changed", "id": notification.pk}
    )
    return notification


@transaction.atomic
def mark_read(*, actor: Any, viewer: Viewer, notifications: Iterable[str] | None = None) -> int:
    """Mark the viewer's notices read (the given public ids, or all of them); returns how many changed."""
    rows = notifications_visible_to(viewer).filter(read_at__isnull=True)
    if notifications is not None:
        rows = rows.filter(public_id__in=list(notifications))
    changed = rows.update(read_at=timezone.now(), outside_due_at=None)
    if changed:
        realtime.publish_on_commit(
            realtime.contact_group(viewer.contact_id), {"type": "notification.changed", "id": None}
        )
    return changed


@transaction.atomic(savepoint=False)
def mark_subject_read(*, actor: Any, contact_id: int, event: str, subject_public_id: str) -> int:
    """The client read the thing itself (his chat): its unread notices are read too."""
    changed = Notification.objects.filter(
        contact_id=contact_id, event=event, subject_public_id=subject_public_id, read_at__isnull=True
    ).update(read_at=timezone.now(), outside_due_at=None)
    if changed:
        realtime.publish_on_commit(
            realtime.contact_group(contact_id), {"type": "notification.changed", "id": None}
        )
    return changed


@transaction.atomic
def mark_seen(*, actor: Any, viewer: Viewer, notifications: Iterable[str]) -> int:
    """An open, visible tab of the client showed these notices: grouped ones need no outside reminder."""
    return (
        notifications_visible_to(viewer)
        .filter(public_id__in=list(notifications)[:50], seen_at__isnull=True)
        .update(seen_at=timezone.now())
    )


@transaction.atomic
def set_preferences(
    *, actor: Any, contact_id: int, choices: dict[tuple[str, str], bool], request: HttpRequest | None = None
) -> None:
    """Store the client's choice for every (event kind, channel) shown in the preferences form."""
    for (event, channel), enabled in choices.items():
        Preference.objects.update_or_create(
            contact_id=contact_id, event=event, channel=channel, defaults={"enabled": enabled}
        )
    record_audit(
        event="notifications.preferences_changed",
        actor=actor,
        request=request,
        enabled=sorted(f"{e}:{c}" for (e, c), on in choices.items() if on),
    )


@transaction.atomic
def subscribe_push(
    *, actor: Any, viewer: Viewer, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Remember a browser's push subscription for the viewer (re-subscribing moves it to him)."""
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={
            "contact_id": viewer.contact_id,
            "user": viewer.user,
            "p256dh": p256dh,
            "auth": auth,
            "user_agent": user_agent[:300],
            "failures": 0,
        },
    )
    record_audit(event="notifications.push_subscribed", actor=actor, browser=user_agent[:120])
    return subscription


@transaction.atomic
def unsubscribe_push(*, actor: Any, viewer: Viewer, endpoint: str) -> int:
    deleted, _ = PushSubscription.objects.filter(
        endpoint=endpoint, contact_id=viewer.contact_id, user=viewer.user
    ).delete()
    if deleted:
        record_audit(event="notifications.push_unsubscribed", actor=actor)
    return deleted


def _claim_batch(notification_id: int) -> tuple[Notification | None, float]:
    """Decide, under a row lock, whether a pending batch goes out now, and if so write its outbox: one
    ``Delivery`` row per wanted channel, ``pending``, in the same transaction as the claim. A worker killed
    after this commit leaves the rows behind for :func:`recover_deliveries`; nothing lives only in the job
    queue. Returns the notification whose current batch has deliveries to work on (or None), and the seconds
    still to wait when the job came early."""
    from kabinet.notifications.selectors import enabled_channels

    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None:
            return None, 0
        due = notification.outside_due_at
        if due is None:
            return notification, 0  # a retry or a recovery: the current batch's rows say what is left
        early = (due - timezone.now()).total_seconds()
        if early > 1:
            return None, early
        kind = event_kind(notification.event)
        suppressed = notification.read_at is not None or (kind.grouped and notification.seen_at is not None)
        notification.outside_due_at = None
        if suppressed or notification.count <= notification.outside_batch:
            notification.outside_batch = notification.count
            notification.save(update_fields=["outside_due_at", "outside_batch", "updated_at"])
            return None, 0
        notification.params = {**notification.params, "batch_from": notification.outside_batch}
        notification.outside_batch = notification.count
        notification.save(update_fields=["outside_due_at", "outside_batch", "params", "updated_at"])
        done = set(notification.channels_done)
        Delivery.objects.bulk_create(
            [
                Delivery(notification=notification, channel=c, batch=notification.outside_batch)
                for c in enabled_channels(notification.contact_id, notification.event)
                if c not in done
            ],
            ignore_conflicts=True,
        )
        return notification, 0


def _take(delivery: Delivery) -> bool:
    """Lease one delivery for this worker: a conditional UPDATE, so of two jobs racing for the same row
    (a retry and a recovery) exactly one sends. A lease that ran out means its worker died mid-send."""
    now = timezone.now()
    lease = now + datetime.timedelta(seconds=settings.KABINET_JOB_LEASE_SECONDS)
    open_rows = models.Q(status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED]) | models.Q(
        status=Delivery.Status.SENDING, lease_until__lte=now
    )
    taken = Delivery.objects.filter(open_rows, pk=delivery.pk).update(
        status=Delivery.Status.SENDING, lease_until=lease, attempts=models.F("attempts") + 1
    )
    return taken == 1


def deliver_outside(*, notification_id: int) -> list[Delivery]:
    """Send the notification's pending batch through every channel the client enabled for its kind, except
    those the domain delivered itself. Each (channel, batch) is one outbox row, leased before it is sent and
    marked after, so it goes out once: a retry sends only what failed, and a worker killed in the middle leaves
    a row that :func:`recover_deliveries` hands to another job when its lease runs out. A temporary failure
    raises :class:`RetryLater` after the others were tried, so the job retries only what failed."""
    from kabinet.notifications.channels import DeliveryResult, get_channel
    from kabinet.notifications.rendering import render_message
    from kabinet.notifications.selectors import recipient_for

    notification, wait = _claim_batch(notification_id)
    if notification is None:
        if wait:
            from kabinet.notifications.tasks import deliver_notification

            deliver_notification.schedule((notification_id,), delay=wait)
        return []
    rows = list(
        Delivery.objects.filter(notification=notification, batch=notification.outside_batch)
        .exclude(status__in=[Delivery.Status.SENT, Delivery.Status.SKIPPED])
        .order_by("id")
    )
    if not rows:
        return []
    recipient = recipient_for(notification.contact_id)
    results: list[Delivery] = []
    retry = False
    for delivery in rows:
        channel = get_channel(delivery.channel)
        if channel is None or not _take(delivery):
            continue  # unknown channel, or another worker holds it
        delivery.refresh_from_db()
        if not channel.reachable(recipient):
            delivery.status, delivery.error = Delivery.Status.SKIPPED, "no address for this channel"
        else:
            try:
                result = channel.send(render_message(notification, recipient, delivery.channel))
            except Exception as exc:  # noqa: BLE001 — a provider bug must not stop the other channels
                logger.exception("channel %s failed", delivery.channel)
                result = DeliveryResult(ok=False, error=repr(exc)[:2000], retry=True)
            delivery.status = Delivery.Status.SENT if result.ok else Delivery.Status.FAILED
            delivery.provider_ref, delivery.error = result.provider_ref[:200], result.error
            retry = retry or (not result.ok and result.retry)
        delivery.lease_until = None
        delivery.save(update_fields=["status", "provider_ref", "error", "lease_until", "updated_at"])
        results.append(delivery)
    if retry:
        raise RetryLater(f"notification {notification.pk}: a channel failed, retrying")
    return results


def recover_deliveries(*, limit: int = 500) -> list[int]:
    """Hand to the job queue again the outside deliveries whose job was lost: a worker killed (or a queue
    emptied) between taking a job and finishing it. Three cases, all read from the database: a batch due for
    longer than a lease and never claimed, outbox rows still ``pending`` a lease after they were written, and
    rows ``sending`` whose lease ran out. Rows whose lease is still running are scheduled for when it ends.
    Harmless to run at any time or twice: claims and leases are conditional. Returns the notifications
    scheduled."""
    from kabinet.notifications.tasks import deliver_notification

    now = timezone.now()
    lease = datetime.timedelta(seconds=settings.KABINET_JOB_LEASE_SECONDS)
    due = set(
        Notification.objects.filter(outside_due_at__lte=now - lease).values_list("pk", flat=True)[:limit]
    )
    due |= set(
        Delivery.objects.filter(
            models.Q(status=Delivery.Status.PENDING, created_at__lte=now - lease)
            | models.Q(status=Delivery.Status.SENDING, lease_until__lte=now)
        ).values_list("notification_id", flat=True)[:limit]
    )
    for pk in sorted(due):
        deliver_notification(pk)
    later = (
        Delivery.objects.filter(status=Delivery.Status.SENDING, lease_until__gt=now)
        .exclude(notification_id__in=due)
        .values_list("notification_id", "lease_until")[:limit]
    )
    for pk, until in later:
        deliver_notification.schedule((pk,), delay=(until - now).total_seconds() + 1)
    return sorted(due)
