"""The staff shell: the team's start page with its queues, and the menu of the staff workspace.

Staff once landed on the back office index, which led neither to the chat inbox nor to the ticket queue.
Every entry depends on the staff member's permissions; each queue costs one ``COUNT`` query through the
staff-side selector of its app.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kabinet.crm.selectors import orders_waiting_for_staff
from kabinet.messaging.selectors import CAN_READ, conversations_visible_to, staff_permissions
from kabinet.signing.selectors import staff_turns
from kabinet.tickets.selectors import can_work_on_tickets, tickets_for_staff


def _entry(request: HttpRequest, key: str, label: Any, url: str, *, badge: bool = False, exact: bool = False):
    current = request.path == url.split("?")[0] if exact else request.path.startswith(url.split("?")[0])
    return {"key": key, "label": label, "url": url, "has_badge": badge, "current": current, "external": False}


def staff_navigation(request: HttpRequest) -> list[dict[str, Any]]:
    """Start, Inbox, Tickets, Bookings, Clients, Back office — the ones this staff member may open (no query)."""
    user = request.user
    entries = [_entry(request, "staff", _("Start"), reverse("portal:staff_home"), exact=True)]
    if CAN_READ in staff_permissions(user):
        entries.append(_entry(request, "inbox", _("Inbox"), reverse("messaging:staff_inbox"), badge=True))
    if can_work_on_tickets(user):
        entries.append(_entry(request, "tickets", _("Tickets"), reverse("tickets_staff:queue"), badge=True))
    if user.has_perm("bookings.change_booking"):
        entries.append(_entry(request, "bookings", _("Bookings"), reverse("bookings:staff_day")))
    if user.has_perm("signing.view_signaturerequest"):
        entries.append(_entry(request, "signatures", _("Signatures"), reverse("signing_staff:queue")))
    if user.has_perm("crm.view_contact"):
        entries.append(_entry(request, "clients", _("Clients"), reverse("admin:crm_contact_changelist")))
    entries.append(_entry(request, "admin", _("Back office"), reverse("admin:index"), exact=True))
    return entries


def staff_queues(request: HttpRequest) -> list[dict[str, Any]]:
    """The staff member's queues with their counts: one query each, only those he may open."""
    user, viewer = request.user, request.viewer
    queues = []
    if CAN_READ in staff_permissions(user):
        unanswered = (
            conversations_visible_to(viewer, staff=True)
            .filter(staff_unread__gt=0)
            .filter(Q(assigned_to=user) | Q(assigned_to__isnull=True))
        )
        queues.append(
            {
                "key": "inbox",
                "label": _("Unanswered chats"),
                "help": _("Yours and unassigned ones"),
                "count": unanswered.count(),
                "url": reverse("messaging:staff_inbox") + "?show=unread",
            }
        )
    if can_work_on_tickets(user):
        queues.append(
            {
                "key": "tickets",
                "label": _("Open tickets assigned to you"),
                "help": "",
                "count": tickets_for_staff(user).filter(owner=user, closed_at__isnull=True).count(),
                "url": reverse("tickets_staff:queue") + "?assigned=mine",
            }
        )
    if user.has_perm("crm.view_order"):
        queues.append(
            {
                "key": "orders",
                "label": _("Orders waiting for you"),
                "help": _("Open orders you manage whose next step is yours"),
                "count": orders_waiting_for_staff(user).count(),
                "url": reverse("admin:crm_order_changelist")
                + f"?manager__id__exact={user.pk}&closed_at__isnull=True",
            }
        )
    if user.has_perm("signing.view_signaturerequest"):
        queues.append(
            {
                "key": "signatures",
                "label": _("Documents waiting for your signature"),
                "help": _("Countersign them with your authenticator app"),
                "count": staff_turns(user).count(),
                "url": reverse("signing_staff:queue") + "?show=mine",
            }
        )
    return queues
