"""All writes of the chat: starting a conversation, sending (with attachments), read marks, assignment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, prefetch_related_objects
from django.urls import reverse
from django.utils.translation import gettext as _

from kabinet.core.audit import record_audit
from kabinet.core.notify import Notice, notify
from kabinet.core.viewer import Viewer
from kabinet.crm.models import Company, Contact, Membership
from kabinet.crm.timeline import record_timeline
from kabinet.files.actions import store_file
from kabinet.files.models import ClientFile
from kabinet.files.validation import check_upload
from kabinet.messaging.models import Conversation, Message
from kabinet.notifications import actions as notifications
from kabinet.notifications import realtime

MAX_BODY = 4000
MAX_ATTACHMENTS = 5
CLIENT, STAFF = "client", "staff"


def check_message(*, body: str, uploads: Sequence[UploadedFile]) -> str:
    """Validate a message before anything is written; returns the cleaned body or raises field errors."""
    body = (body or "").strip()
    errors: dict[str, list[str]] = {}
    if not body and not uploads:
        errors["body"] = [_("Write a message or attach a file.")]
    elif len(body) > MAX_BODY:
        errors["body"] = [
            _("The message is too long (%(length)s characters). The limit is %(limit)s.")
            % {"length": len(body), "limit": MAX_BODY}
        ]
    if len(uploads) > MAX_ATTACHMENTS:
        errors["attachments"] = [
            _("Attach at most %(limit)s files to one message.") % {"limit": MAX_ATTACHMENTS}
        ]
    else:
        for upload in uploads:
            try:
                check_upload(upload)
            except ValidationError as exc:
                errors.setdefault("attachments", []).extend(f"{upload.name}: {m}" for m in exc.messages)
    if errors:
        raise ValidationError(errors)
    return body


def _display_name(user: Any) -> str:
    return (
        (getattr(user, "full_name", "") or getattr(user, "email", "") or _("Manager"))
        if user
        else _("Manager")
    )


def _preview(body: str, attachments: int) -> str:
    if body:
        return " ".join(body.split())[:200]
    return _("Attachment: %(count)s file(s)") % {"count": attachments}


@transaction.atomic
def open_conversation(*, actor: Any, contact: Contact, company: Company | None) -> Conversation:
    """The conversation of a contact in a company context, started on first use and assigned to his
    manager (the contact's own, else the company's)."""
    conversation = Conversation.objects.filter(contact=contact, company=company).first()
    if conversation is not None:
        return conversation
    manager = contact.manager or (company.manager if company is not None else None)
    conversation = Conversation.objects.create(contact=contact, company=company, assigned_to=manager)
    record_audit(event="conversation.started", actor=actor, target=conversation)
    return conversation


def _post(
    *, actor: Any, conversation: Conversation, side: str, body: str, uploads: Sequence[UploadedFile]
) -> Message:
    body = check_message(body=body, uploads=uploads)
    from_staff = side == STAFF
    message = Message.objects.create(
        conversation=conversation,
        author=actor if getattr(actor, "pk", None) else None,
        from_staff=from_staff,
        body=body,
    )
    stored = [
        store_file(
            actor=actor,
            upload=upload,
            company=conversation.company,
            contact=conversation.contact,
            direction=ClientFile.Direction.TO_CLIENT if from_staff else ClientFile.Direction.FROM_CLIENT,
            subject=message,
            client_visible=False,  # the chat is personal: its files do not go to the company history
        )
        for upload in uploads
    ]
    if stored:
        message.attachments.add(*stored)
    # Read now, inside the transaction: the answer is built after the commit, and a query then (the
    # database gone a moment later) would turn a stored message into an error answer, and the person would
    # send it again.
    prefetch_related_objects([message], "attachments")
    preview = _preview(body, len(stored))
    updates: dict[str, Any] = {
        "last_message_id": message.pk,
        "last_message_at": message.created_at,
        "last_message_preview": preview,
        "last_message_from_staff": from_staff,
    }
    # Sending implies having read the conversation; the other side gets one more unread message.
    if from_staff:
        updates |= {"client_unread": F("client_unread") + 1, "staff_unread": 0, "staff_read_upto": message.pk}
    else:
        updates |= {"staff_unread": F("staff_unread") + 1, "client_unread": 0, "client_read_upto": message.pk}
    Conversation.objects.filter(pk=conversation.pk).update(**updates)
    record_timeline(
        event="message.staff_sent" if from_staff else "message.client_sent",
        kind="message",
        subject=conversation,
        company=conversation.company,
        contact=conversation.contact,
        actor=actor,
        client_visible=False,  # privacy inside a company: colleagues' history must not list someone's chat
        author=_display_name(actor),
    )
    record_audit(
        event="message.sent",
        actor=actor,
        target=message,
        conversation=conversation.public_id,
        files=len(stored),
    )
    if from_staff:
        notify(
            Notice(
                event="message.received",
                contact_id=conversation.contact_id,
                company_id=conversation.company_id,
                url=reverse("messaging:chat"),
                subject_public_id=conversation.public_id,
                params={"author": _display_name(actor), "preview": preview},
            )
        )
    event = {"type": "chat.message", "id": message.pk}
    realtime.publish_on_commit(realtime.contact_group(conversation.contact_id), event)
    realtime.publish_on_commit(realtime.STAFF_GROUP, event)
    return message


@transaction.atomic
def send_client_message(
    *, actor: Any, viewer: Viewer, body: str, uploads: Sequence[UploadedFile] = ()
) -> Message:
    """The client writes to the team, in his active company context (the conversation starts if needed)."""
    if not viewer.is_client:
        raise ValidationError(_("Only clients can write here."))
    check_message(body=body, uploads=uploads)  # refuse before a conversation is started for nothing
    contact = Contact.objects.select_related("manager").get(pk=viewer.contact_id)
    company = (
        Company.objects.select_related("manager").get(pk=viewer.active_company_id)
        if viewer.active_company_id
        else None
    )
    conversation = open_conversation(actor=actor, contact=contact, company=company)
    return _post(actor=actor, conversation=conversation, side=CLIENT, body=body, uploads=uploads)


@transaction.atomic
def send_staff_message(
    *, actor: Any, conversation: Conversation, body: str, uploads: Sequence[UploadedFile] = ()
) -> Message:
    """A team member answers in a conversation; an unassigned conversation becomes his."""
    message = _post(actor=actor, conversation=conversation, side=STAFF, body=body, uploads=uploads)
    if conversation.assigned_to_id is None and getattr(actor, "pk", None):
        assign_conversation(actor=actor, conversation=conversation, assignee=actor)
    return message


@transaction.atomic
def send_staff_message_to_contact(
    *, actor: Any, contact: Contact, company: Company | None, body: str
) -> Message:
    """A team member writes into a contact's conversation in a company context (his private one without
    ``company``), starting it if needed. The contact must belong to that company."""
    if company is not None and not Membership.objects.filter(contact=contact, company=company).exists():
        raise ValidationError({"company": _("The contact is not a member of this company.")})
    conversation = open_conversation(actor=actor, contact=contact, company=company)
    return send_staff_message(actor=actor, conversation=conversation, body=body)


# savepoint=False: a read mark is one conditional UPDATE; inside a page's transaction it needs no savepoint.
@transaction.atomic(savepoint=False)
def mark_read(*, actor: Any, conversation: Conversation, side: str) -> bool:
    """One side read everything in the conversation up to its last message. Returns whether it changed.

    One conditional UPDATE: it never moves a read mark backwards, whatever the caller's copy says."""
    upto_field, unread_field = (
        ("client_read_upto", "client_unread") if side == CLIENT else ("staff_read_upto", "staff_unread")
    )
    changed = Conversation.objects.filter(
        pk=conversation.pk, **{f"{upto_field}__lt": F("last_message_id")}
    ).update(**{upto_field: F("last_message_id"), unread_field: 0})
    if not changed:
        return False
    setattr(conversation, unread_field, 0)
    setattr(conversation, upto_field, max(getattr(conversation, upto_field), conversation.last_message_id))
    if side == CLIENT:
        notifications.mark_subject_read(
            actor=actor,
            contact_id=conversation.contact_id,
            event="message.received",
            subject_public_id=conversation.public_id,
        )
    # The event names the last message the caller knew; consumers resolve it through their selectors.
    event = {"type": "chat.read", "id": conversation.pk, "side": side, "upto": conversation.last_message_id}
    realtime.publish_on_commit(realtime.contact_group(conversation.contact_id), event)
    realtime.publish_on_commit(realtime.STAFF_GROUP, event)
    return True


@transaction.atomic
def assign_conversation(*, actor: Any, conversation: Conversation, assignee: Any) -> Conversation:
    """Give the conversation to a team member (or to nobody)."""
    if assignee is not None and not (assignee.is_staff and assignee.is_active):
        raise ValidationError({"assignee": _("Only active staff members can be assigned.")})
    if conversation.assigned_to_id == (assignee.pk if assignee else None):
        return conversation
    conversation.assigned_to = assignee
    conversation.save(update_fields=["assigned_to", "updated_at"])
    record_timeline(
        event="conversation.assigned",
        kind="message",
        subject=conversation,
        company=conversation.company,
        contact=conversation.contact,
        actor=actor,
        client_visible=False,
        assignee=_display_name(assignee) if assignee else "—",
    )
    record_audit(
        event="conversation.assigned",
        actor=actor,
        target=conversation,
        assignee=getattr(assignee, "public_id", None),
    )
    realtime.publish_on_commit(realtime.STAFF_GROUP, {"type": "chat.conversation", "id": conversation.pk})
    return conversation
