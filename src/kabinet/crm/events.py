"""The CRM's events: timeline sentences and the notices it sends. Data only: imports nothing of the app, so
``CrmConfig.ready()`` registers them whatever else is imported (they once depended on ``admin.py``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kabinet.core.notify import EventKind

TIMELINE = {
    "order.created": _("Order №%(number)s “%(title)s” was created"),
    "order.stage_changed": _("Order №%(number)s moved to the stage “%(stage)s”"),
    "order.updated": _("Order №%(number)s was updated"),
    "order.confirmed": _("Order №%(number)s was confirmed"),
    "order.declined": _("Order №%(number)s was declined"),
    # staff only (the entries are internal): the CRM moved the order to a stage clients do not see, and back
    "order.hidden": _("Order №%(number)s was hidden from the client"),
    "order.shown": _("Order №%(number)s is shown to the client again"),
    "company.updated": _("Company details of %(name)s were updated"),
    "contact.updated": _("Contact details of %(name)s were updated"),
    "colleague.invited": _("%(name)s was given access to the company"),
    "colleague.invitation_sent": _("An invitation to the company was sent to %(email)s"),
    "colleague.joined": _("%(name)s accepted the invitation and joined the company"),
    "colleague.made_admin": _("%(name)s is now a company admin"),
    "colleague.made_member": _("%(name)s is now a member of the company"),
    "colleague.removed": _("%(name)s no longer has access to the company"),
    "note.added": _("Note: %(text)s"),
}

NOTICES = (
    EventKind(
        code="order.stage_changed",
        label=_("Order moved to another stage"),
        sentence=_("Order №%(number)s moved to the stage “%(stage)s”"),
        defaults=frozenset({"email"}),
        # Steps taken together (staff moving an order along, an import) make one notice with the latest stage.
        grouped=True,
        group_within=15 * 60,
        order=20,
    ),
    EventKind(
        code="company.colleague_invited",
        label=_("Access to a company"),
        sentence=_("You were given access to %(company)s"),
        defaults=frozenset({"email"}),
        order=70,
    ),
)
