"""Tickets' timeline sentences and notices (data only, registered by ``TicketsConfig.ready()``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kabinet.core.notify import EventKind

TIMELINE = {
    "ticket.created": _("Request #%(number)s “%(title)s” was opened"),
    "ticket.replied": _("New reply in request #%(number)s"),
    "ticket.client_replied": _("You replied in request #%(number)s"),
    "ticket.note": _("Internal note on request #%(number)s"),
    "ticket.stage_changed": _("Request #%(number)s moved to “%(stage)s”"),
    "ticket.closed": _("Request #%(number)s was closed"),
    "ticket.closed_by_client": _("Request #%(number)s was closed by the client"),
    "ticket.reopened": _("Request #%(number)s was reopened"),
    "ticket.assigned": _("Request #%(number)s was assigned to %(owner)s"),
    "ticket.unassigned": _("Request #%(number)s was unassigned"),
    "ticket.priority_changed": _("Priority of request #%(number)s set to %(priority)s"),
    "ticket.category_changed": _("Category of request #%(number)s set to “%(category)s”"),
    "ticket.cc_added": _("%(name)s was copied on request #%(number)s"),
    "ticket.cc_removed": _("%(name)s is no longer copied on request #%(number)s"),
    "ticket.rated": _("Request #%(number)s was rated: %(rating)s"),
    "ticket.rating_commented": _("A comment was added to the rating of request #%(number)s"),
}

NOTICES = (
    EventKind(
        code="ticket.replied",
        label=_("Reply to your request"),
        sentence=_("New reply in request #%(number)s"),
        defaults=frozenset({"email", "webpush"}),
        order=60,
    ),
    EventKind(
        code="ticket.solved",
        label=_("Request solved"),
        sentence=_("Request #%(number)s was solved"),
        # The solved email (with the rating link) goes out by the tickets app itself.
        defaults=frozenset({"webpush"}),
        order=65,
    ),
)
