"""Chat's timeline sentences and its notice (data only, registered by ``MessagingConfig.ready()``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kabinet.core.notify import EventKind

TIMELINE = {
    "message.client_sent": _("Message to the manager"),
    "message.staff_sent": _("Message from %(author)s"),
    "conversation.assigned": _("Conversation assigned to %(assignee)s"),
}

NOTICES = (
    EventKind(
        code="message.received",
        label=_("New messages from the manager"),
        sentence=_("%(author)s wrote to you"),
        defaults=frozenset({"email", "webpush"}),
        grouped=True,
        order=10,
    ),
)
