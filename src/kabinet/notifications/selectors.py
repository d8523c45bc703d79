"""Viewer-scoped reads of the notification centre: lists, counters, the socket and the badge use these."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from kabinet.core.branding import language_of
from kabinet.core.counting import scalar
from kabinet.core.viewer import Viewer, scope_to_viewer
from kabinet.crm.models import Contact, ContactPhone
from kabinet.crm.selectors import hidden_order_ids
from kabinet.notifications.channels import Recipient
from kabinet.notifications.events import event_kinds
from kabinet.notifications.models import Notification, Preference, PushSubscription

LATEST_ON_DASHBOARD = 5


def notifications_visible_to(viewer: Viewer) -> QuerySet[Notification]:
    """The viewer's own notices in his active company context.

    Notices are personal: a company admin does not read his colleagues' notices (each colleague gets his
    own). The company scope is the same rule as everywhere (``scope_to_viewer``), narrowed to the recipient.
    Notices about an order the business has since hidden are left out (a subquery: public ids are random,
    so no other kind's subject can collide with an order's).
    """
    if not viewer.is_client:
        return Notification.objects.none()
    return (
        scope_to_viewer(Notification.objects.all(), viewer)
        .filter(contact_id=viewer.contact_id)
        .exclude(subject_public_id__in=hidden_order_ids())
    )


def notification_for_viewer(viewer: Viewer, public_id: str) -> Notification:
    return notifications_visible_to(viewer).get(public_id=public_id)


def unread_count(request: HttpRequest) -> int:
    """Unread notices of the request's viewer: one query, remembered for the rest of the request."""
    cached = getattr(request, "_kabinet_unread_notifications", None)
    if cached is None:
        cached = notifications_visible_to(request.viewer).filter(read_at__isnull=True).count()
        request._kabinet_unread_notifications = cached
    return cached


def latest_with_unread_count(request: HttpRequest) -> tuple[list[Notification], int]:
    """The newest notices and the unread total in ONE query: the total is a scalar subquery answered from the
    unread index, so the cost does not grow with the viewer's notices (a window count read them all)."""
    visible = notifications_visible_to(request.viewer)
    rows = list(
        visible.annotate(unread_total=scalar(visible.filter(read_at__isnull=True)))[:LATEST_ON_DASHBOARD]
    )
    total = rows[0].unread_total if rows else 0
    request._kabinet_unread_notifications = total
    return rows, total


def channel_choices(contact_id: int) -> dict[tuple[str, str], bool]:
    """(event, channel) → enabled, defaults overlaid with the contact's explicit choices (one query)."""
    from kabinet.notifications.channels import channels

    choices = {
        (kind.code, channel.id): channel.id in kind.defaults
        for kind in event_kinds()
        for channel in channels()
    }
    for event, channel, enabled in Preference.objects.filter(contact_id=contact_id).values_list(
        "event", "channel", "enabled"
    ):
        choices[(event, channel)] = enabled
    return choices


def enabled_channels(contact_id: int, event: str) -> list[str]:
    from kabinet.notifications.channels import channels
    from kabinet.notifications.events import event_kind

    kind = event_kind(event)
    explicit = dict(
        Preference.objects.filter(contact_id=contact_id, event=event).values_list("channel", "enabled")
    )
    return [c.id for c in channels() if explicit.get(c.id, c.id in kind.defaults)]


def push_subscriptions_of(viewer: Viewer) -> QuerySet[PushSubscription]:
    if not viewer.is_client:
        return PushSubscription.objects.none()
    return PushSubscription.objects.filter(contact_id=viewer.contact_id, user=viewer.user)


def recipient_for(contact_id: int) -> Recipient:
    """Addresses of a contact: his portal account's email and language, else his primary email; his phone."""
    contact = (
        Contact.objects.select_related("user")
        .prefetch_related("emails")
        .only("id", "first_name", "middle_name", "last_name", "user__email", "user__language", "user__id")
        .get(pk=contact_id)
    )

    user = contact.user
    emails = sorted(contact.emails.all(), key=lambda e: (not e.is_primary, e.pk))
    email = user.email if user is not None else (emails[0].email if emails else "")
    phone = (
        ContactPhone.objects.filter(contact_id=contact_id)
        .order_by("-is_primary", "id")
        .values_list("phone", flat=True)
        .first()
    )
    return Recipient(
        contact_id=contact.pk,
        name=contact.full_name,
        language=language_of(user),
        email=email,
        phone=phone or "",
        user_id=user.pk if user is not None else None,
    )
