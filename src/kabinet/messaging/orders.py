"""Live order pages: a change of an order (a stage moved by staff, the API or a CRM sync; the order hidden
or shown again) reaches every open tab of the people who may see it, over the portal socket.

The event carries ids only (``order.changed`` with the order's key and public id). It goes to the groups of
the order's contact and of its company's admins, after commit; each socket then loads the order through
``orders_visible_to`` with its own, freshly built viewer, so a tab in another company context, a colleague
without access or a hidden order gets nothing but "gone". The page reloads its stage section over HTTP,
through the same selector as a reload would.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.urls import reverse

from kabinet.core.viewer import Viewer
from kabinet.crm.models import Membership, TimelineEntry
from kabinet.crm.selectors import orders_visible_to
from kabinet.notifications.realtime import contact_group, publish

# The timeline events that change what an open order page shows.
ORDER_EVENTS = frozenset(
    {
        "order.stage_changed",
        "order.updated",
        "order.confirmed",
        "order.declined",
        "order.hidden",
        "order.shown",
    }
)


def _from_timeline(sender: Any, instance: TimelineEntry, created: bool, **kwargs: Any) -> None:
    if (
        not created
        or instance.kind != "order"
        or instance.event not in ORDER_EVENTS
        or not instance.subject_id
    ):
        return
    event = {"type": "order.changed", "id": instance.subject_id, "order": instance.subject_public_id}
    company_id, contact_id = instance.company_id, instance.contact_id
    # Recipients are read after commit, outside the action (and its query budget); a rolled back change
    # sends nothing. Steps taken in one transaction (an import page) each send: the page reloads once per
    # burst (the script waits for the last).
    transaction.on_commit(lambda: tell(event, company_id=company_id, contact_id=contact_id))


def tell(event: dict[str, Any], *, company_id: int | None, contact_id: int | None) -> None:
    """Send ``event`` to the tabs of the order's contact and of the company's admins."""
    contacts = {contact_id} if contact_id else set()
    if company_id:
        contacts |= set(
            Membership.objects.filter(company_id=company_id, role=Membership.Role.ADMIN).values_list(
                "contact_id", flat=True
            )
        )
    for contact in sorted(contacts):
        publish(contact_group(contact), event)


def order_event(viewer: Viewer, order_id: int, public_id: str) -> dict[str, Any]:
    """What a tab is told: the order's stage in the viewer's language, or that he no longer sees it."""
    order = orders_visible_to(viewer).filter(pk=order_id).first()
    if order is None:
        return {"type": "order", "order": public_id, "gone": True}
    return {
        "type": "order",
        "order": order.public_id,
        "stage": str(order.stage.client_name),
        "url": reverse("crm:order", args=[order.public_id]),
    }


def connect() -> None:
    post_save.connect(_from_timeline, sender=TimelineEntry, dispatch_uid="messaging-live-orders")
