"""Client actions into the write-back outbox, in the transaction of the action.

The timeline entry an action records (``order.confirmed``, ``contact.updated``…) is seen by ``post_save`` in
the same transaction; when its order or contact came from a CRM, a :class:`Push` row is written beside it and
a job delivers it once the transaction commits. No domain action knows about the CRM.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_save
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kabinet.crm.models import Contact, Order, TimelineEntry
from kabinet.documents.models import Document
from kabinet.sync.models import Link, Push, StageMap

NEW_TICKET = "new_ticket"  # a Push that opens the CRM's ticket for one opened in Kabinet (entity_id: its pk)
PENDING = "pending:"  # the crm_id of a ticket link until the CRM has answered with the ticket's id

# Timeline event → what the CRM reads (in the portal's language: the CRM's staff read it) and where.
WRITE_BACK: dict[str, tuple[str, Any]] = {
    "order.confirmed": ("deal", _("%(author)s confirmed the offer in the client portal.")),
    "order.declined": ("deal", _("%(author)s declined the offer in the client portal.")),
    "contact.updated": ("contact", _("%(author)s updated his contact details in the client portal.")),
    # On the contact; where the connection maps the ticket's stage (HubSpot), the CRM's own ticket instead.
    "ticket.created": ("contact", _("%(author)s opened a request in the client portal: %(title)s")),
    "message.client_sent": ("contact", _("%(author)s wrote to the manager in the client portal.")),
    "file.added": ("contact", _("%(author)s uploaded a file in the client portal: %(name)s")),
    # A ticket synced from the CRM (HubSpot): the client's reply becomes a note on the CRM's ticket.
    "ticket.client_replied": ("ticket", _("%(author)s replied in the client portal:")),
    # On the deal of the document's order when it has one, else on the document's contact (see below).
    "document.signed": (
        "document",
        _("%(author)s signed the document “%(title)s” in the client portal, signature id %(signature_id)s."),
    ),
}
# A signature happens only in the portal, so a staff member's countersignature goes back too (the other events
# are what clients did: staff do those in the CRM itself).
BY_STAFF_TOO = frozenset({"document.signed"})


def author_name(entry: TimelineEntry) -> str:
    if entry.event in BY_STAFF_TOO:  # the signer, who need not be the document's contact
        contact = Contact.objects.filter(user_id=entry.actor_id).first()
        if contact is not None:
            return contact.full_name
        return entry.actor.full_name or entry.actor.email
    if entry.contact_id:
        contact = Contact.objects.filter(pk=entry.contact_id).first()
        if contact is not None:
            return contact.full_name
    return gettext("A client")


def comment_text(entry: TimelineEntry, template: Any) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        params = {k: v for k, v in entry.data.items() if isinstance(v, str | int | float)}
        params.setdefault("title", "")
        params.setdefault("name", "")
        params["author"] = author_name(entry)
        text = str(template) % params
        comment = str(entry.data.get("comment") or "").strip()
        if comment:
            text += "\n" + gettext("Comment: %(comment)s") % {"comment": comment}
        if entry.event == "document.signed" and entry.data.get("complete"):
            text += "\n" + gettext("Everyone has signed; the sealed PDF is in the client portal.")
    return text


def reply_body(entry: TimelineEntry) -> str:
    """The text of the client's reply the entry records (written just before it, in the same action)."""
    from kabinet.tickets.models import TicketMessage

    message = (
        TicketMessage.objects.filter(
            ticket_id=entry.subject_id, is_internal=False, author_contact__isnull=False
        )
        .order_by("-id")
        .values_list("body", flat=True)
        .first()
    )
    return str(message or "")


def from_timeline(sender: Any, instance: TimelineEntry, created: bool, **kwargs: Any) -> None:
    if not created or kwargs.get("raw") or instance.event not in WRITE_BACK or instance.actor_id is None:
        return  # only people's actions go back: the sync's own writes have no actor, so nothing echoes
    if not instance.client_visible:
        return  # an internal entry (a file staff keep to themselves) is not the client's action
    entity, template = WRITE_BACK[instance.event]
    if entity == "document":
        targets = document_targets(instance)
        if not targets:
            return
        pushes = [
            Push.objects.create(
                connection_id=row.connection_id,
                entity=row.kind,
                entity_id=row.crm_id,
                text=comment_text(instance, template),
                timeline_entry=instance.pk,
                author_id=instance.actor_id,
            )
            for row in targets
        ]
        _deliver_on_commit(pushes)
        return
    if entity == "ticket":
        from kabinet.tickets.models import Ticket

        if instance.subject_type is None or instance.subject_type.model_class() is not Ticket:
            return
        links = Link.objects.filter(kind=Link.Kind.TICKET, object_id=instance.subject_id)
    elif entity == "deal":
        if instance.subject_type is None or instance.subject_type.model_class() is not Order:
            return
        links = Link.objects.filter(kind=Link.Kind.DEAL, object_id=instance.subject_id)
    else:
        if not instance.contact_id:
            return
        links = Link.objects.filter(kind=Link.Kind.CONTACT, object_id=instance.contact_id)
    # One query for what is not synced at all (most portals, most clients); the author only when it is.
    links = list(links.filter(deleted_in_crm=False, connection__is_active=True))
    if not links or (instance.actor.is_staff and instance.event not in BY_STAFF_TOO):
        return  # staff work in the CRM itself; the outbox carries what clients did
    text = comment_text(instance, template)
    if entity == "ticket":
        text += "\n" + reply_body(instance)
    created_in_crm = opened_in_crm(instance, links) if instance.event == "ticket.created" else set()
    pushes = [
        Push.objects.create(
            connection_id=row.connection_id,
            entity=NEW_TICKET if row.connection_id in created_in_crm else entity,
            entity_id=str(instance.subject_id) if row.connection_id in created_in_crm else row.crm_id,
            text=text,
            timeline_entry=instance.pk,
            author_id=instance.actor_id,
        )
        for row in links
    ]
    _deliver_on_commit(pushes)


def opened_in_crm(entry: TimelineEntry, contact_links: list[Link]) -> set[int]:
    """The connections (of the client's contact) where a ticket opened in Kabinet becomes a CRM ticket: those
    whose ticket stage mapping (``ticket:<pipeline>``) has the ticket's stage. Each gets a ``new_ticket`` push
    and a *pending* ticket link (``pending:<ticket id>``), so a reply written before the CRM has the ticket
    waits in the outbox for it instead of being lost; elsewhere the opening stays a note on the contact."""
    from kabinet.tickets.models import Ticket

    if entry.subject_type is None or entry.subject_type.model_class() is not Ticket:
        return set()
    ticket = Ticket.objects.filter(pk=entry.subject_id).only("stage_id").first()
    if ticket is None:
        return set()
    connections = set(
        StageMap.objects.filter(
            connection_id__in=[row.connection_id for row in contact_links],
            crm_pipeline_id__startswith="ticket:",
            stage_id=ticket.stage_id,
            hides=False,
        ).values_list("connection_id", flat=True)
    )
    for connection_id in connections:
        Link.objects.get_or_create(
            connection_id=connection_id,
            kind=Link.Kind.TICKET,
            crm_id=f"{PENDING}{ticket.pk}",
            defaults={"object_id": ticket.pk},
        )
    return connections


def _deliver_on_commit(pushes: list[Push]) -> None:
    if pushes:
        from kabinet.sync.tasks import deliver_pushes

        ids = [push.pk for push in pushes]
        transaction.on_commit(lambda: deliver_pushes(ids))


def document_targets(entry: TimelineEntry) -> list[Link]:
    """Where a document's event goes, per connection: the deal of the document's order when that order came
    from the CRM, else the document's contact. One query when nothing is synced."""
    if entry.subject_type is None or entry.subject_type.model_class() is not Document:
        return []
    document = Document.objects.filter(pk=entry.subject_id).only("order_id", "contact_id").first()
    if document is None:
        return []
    wanted = Q(kind=Link.Kind.CONTACT, object_id=document.contact_id) if document.contact_id else Q(pk=None)
    if document.order_id:
        wanted |= Q(kind=Link.Kind.DEAL, object_id=document.order_id)
    links = Link.objects.filter(wanted, deleted_in_crm=False, connection__is_active=True).order_by("kind")
    chosen: dict[int, Link] = {}
    for row in links:  # "contact" < "deal": a deal link of the same connection replaces its contact link
        chosen[row.connection_id] = row
    return list(chosen.values())


def connect() -> None:
    post_save.connect(from_timeline, sender=TimelineEntry, dispatch_uid="sync-write-back")
