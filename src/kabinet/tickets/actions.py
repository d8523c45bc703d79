"""Writes on tickets. Views (portal and staff), the back office, the inbound-mail handler and the demo call
these; each validates, writes the timeline and the audit log, and schedules email after commit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from kabinet.core.audit import record_audit
from kabinet.core.i18n import in_every_language, translations
from kabinet.core.notify import Notice, notify
from kabinet.core.public_ids import new_public_id
from kabinet.core.sequences import next_number
from kabinet.crm.actions import default_pipeline
from kabinet.crm.models import Company, Contact, ContactEmail, Membership, Pipeline, Stage
from kabinet.crm.timeline import record_timeline
from kabinet.files.actions import store_file
from kabinet.files.models import ClientFile
from kabinet.files.validation import check_upload
from kabinet.tickets.conf import forget_ticket_settings, ticket_settings
from kabinet.tickets.inbound import InboundEmail, InboundResult, strip_quoted
from kabinet.tickets.models import (
    InboundMail,
    PipelineRule,
    Ticket,
    TicketCategory,
    TicketCC,
    TicketEmail,
    TicketMessage,
    TicketSettings,
)
from kabinet.tickets.tokens import find_reply_token

SUBJECT_MAX_LENGTH = 250
MESSAGE_MAX_LENGTH = 20_000
RATING_COMMENT_MAX_LENGTH = 2_000


class TicketClosedError(ValidationError):
    """A client replied to a closed ticket where the settings do not allow it."""


# --- helpers ----------------------------------------------------------------------------------------------


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def clean_message_body(body: str) -> str:
    """The text of a message, or a translated ValidationError for an empty or a too long one."""
    text = (body or "").strip()
    if not text:
        raise ValidationError({"body": gettext("Write a message.")}, code="empty")
    if len(text) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            {
                "body": gettext("The message is too long (%(length)s characters). The limit is %(limit)s.")
                % {"length": len(text), "limit": MESSAGE_MAX_LENGTH}
            },
            code="too_long",
        )
    return text


def check_attachments(uploads: Sequence[UploadedFile]) -> None:
    """Count limit (ticket settings) and each file's size and content: all before anything is written."""
    limit = ticket_settings().max_attachments
    if len(uploads) > limit:
        raise ValidationError(
            {"attachments": gettext("Attach at most %(limit)s files to one message.") % {"limit": limit}},
            code="too_many",
        )
    errors = []
    for upload in uploads:
        try:
            check_upload(upload)
        except ValidationError as error:
            errors.extend(f"{upload.name}: {message}" for message in error.messages)
    if errors:
        raise ValidationError({"attachments": errors}, code="bad_file")


def _store_attachments(
    *, actor: Any, message: TicketMessage, uploads: Sequence[UploadedFile], from_client: bool
) -> list[ClientFile]:
    ticket = message.ticket
    # Files of internal notes belong to no client: no client-scoped selector (file archive, downloads) can
    # ever list them, and their history entries are internal.
    internal = message.is_internal
    return [
        store_file(
            actor=actor,
            upload=upload,
            company=None if internal else ticket.company,
            contact=None if internal else ticket.contact,
            direction=ClientFile.Direction.FROM_CLIENT if from_client else ClientFile.Direction.TO_CLIENT,
            subject=message,
            client_visible=not internal,
        )
        for upload in uploads
    ]


def closing_stage(pipeline_id: int) -> Stage | None:
    """The stage a client's "Close" moves to: the pipeline rule's, else the first closing stage."""
    rule = PipelineRule.objects.filter(pipeline_id=pipeline_id).select_related("close_stage").first()
    if rule and rule.close_stage and not rule.close_stage.is_open:
        return rule.close_stage
    stages = list(Stage.objects.filter(pipeline_id=pipeline_id).exclude(kind=Stage.Kind.OPEN))
    stages.sort(key=lambda s: (s.kind != Stage.Kind.CLOSED, s.position, s.id))
    return stages[0] if stages else None


def reopening_stage(pipeline_id: int) -> Stage | None:
    """The stage a client's reply to a closed ticket reopens it in: the rule's, else the first open stage."""
    rule = PipelineRule.objects.filter(pipeline_id=pipeline_id).select_related("reopen_stage").first()
    if rule and rule.reopen_stage and rule.reopen_stage.is_open:
        return rule.reopen_stage
    return (
        Stage.objects.filter(pipeline_id=pipeline_id, kind=Stage.Kind.OPEN).order_by("position", "id").first()
    )


def ticket_url(ticket: Ticket) -> str:
    from django.urls import reverse

    return reverse("tickets:detail", args=[ticket.public_id])


def _recipient_contact_ids(ticket: Ticket) -> list[int]:
    ids = [ticket.contact_id] if ticket.contact_id else []
    ids.extend(cid for cid in TicketCC.objects.filter(ticket=ticket).values_list("contact_id", flat=True))
    return list(dict.fromkeys(ids))


def _email(kind: str, ticket: Ticket, contact_ids: list[int], message: TicketMessage | None = None) -> None:
    """Queue the ticket's emails in this transaction (tickets/outbox.py: one leased row per recipient); the
    jobs run once it commits, so nothing is sent for a rolled-back change."""
    from kabinet.tickets import outbox

    outbox.queue(kind=kind, ticket=ticket, contact_ids=[c for c in contact_ids if c], message=message)


def _timeline(ticket: Ticket, event: str, *, actor: Any, client_visible: bool = True, **data: Any) -> None:
    record_timeline(
        event=event,
        kind="ticket",
        subject=ticket,
        company=ticket.company,
        contact=ticket.contact,
        actor=actor,
        client_visible=client_visible,
        number=ticket.number,
        **data,
    )


def _check_contact_in_company(contact: Contact | None, company: Company | None) -> None:
    if (
        contact is not None
        and company is not None
        and not Membership.objects.filter(contact=contact, company=company).exists()
    ):
        raise ValidationError({"contact": gettext("This contact is not a member of the chosen company.")})


# --- creating and answering -------------------------------------------------------------------------------


@transaction.atomic
def create_ticket(
    *,
    actor: Any,
    subject: str,
    body: str,
    company: Company | None,
    contact: Contact | None,
    source: str = Ticket.Source.PORTAL,
    priority: str = Ticket.Priority.NORMAL,
    category: TicketCategory | None = None,
    owner: Any = None,
    stage: Stage | None = None,
    pipeline: Pipeline | None = None,
    attachments: Sequence[UploadedFile] = (),
    cc: Sequence[Contact] = (),
) -> Ticket:
    """Open a ticket with its first message.

    ``source`` says who speaks: ``portal``/``email`` — the client (``contact``) wrote it; ``staff`` — an agent
    raised it on the client's behalf, so the first message is the agent's and the client is emailed.
    The ticket starts in ``stage``, else the first stage of ``pipeline``, else of the portal pipeline set
    in the ticket settings, else of the default ticket pipeline.
    """
    subject = (subject or "").strip()
    if not subject:
        raise ValidationError({"subject": gettext("Enter a subject.")}, code="empty")
    if len(subject) > SUBJECT_MAX_LENGTH:
        raise ValidationError(
            {
                "subject": gettext("Keep the subject under %(limit)s characters.")
                % {"limit": SUBJECT_MAX_LENGTH}
            }
        )
    text = clean_message_body(body)
    check_attachments(attachments)
    _check_contact_in_company(contact, company)
    if stage is not None:
        pipeline = stage.pipeline
    if pipeline is None:
        configured = ticket_settings().portal_pipeline_id
        pipeline = (
            Pipeline.objects.filter(pk=configured, kind=Pipeline.Kind.TICKET).first() if configured else None
        ) or default_pipeline(Pipeline.Kind.TICKET)
    if pipeline.kind != Pipeline.Kind.TICKET:
        raise ValidationError({"stage": gettext("Choose a stage of a ticket pipeline.")})
    stage = stage or pipeline.stages.order_by("position", "id").first()
    if stage is None:
        raise ValidationError({"stage": gettext("This pipeline has no stages yet.")})
    by_staff = source == Ticket.Source.STAFF
    now = timezone.now()
    ticket = Ticket(
        number=next_number("ticket", width=5),
        subject=subject,
        company=company,
        contact=contact,
        pipeline=pipeline,
        stage=stage,
        priority=priority,
        category=category,
        owner=owner,
        source=source,
        last_activity_at=now,
        awaiting_agent=not by_staff,
        closed_at=None if stage.is_open else now,
        rating_nonce="" if stage.is_open else new_public_id(),
    )
    ticket.full_clean()
    ticket.save()
    message = TicketMessage.objects.create(
        ticket=ticket,
        author_user=_user(actor),
        author_contact=None if by_staff else contact,
        body=text,
        source=source,
    )
    _store_attachments(actor=actor, message=message, uploads=attachments, from_client=not by_staff)
    for copied in cc:
        _add_cc(actor=actor, ticket=ticket, contact=copied)
    _timeline(ticket, "ticket.created", actor=actor, title=subject)
    record_audit(event="ticket.created", actor=actor, target=ticket, source=source)
    if by_staff:
        _announce_agent_message(ticket, message)
    elif source == Ticket.Source.EMAIL:
        _email(TicketEmail.Kind.RECEIVED, ticket, [ticket.contact_id])
    return ticket


def _announce_agent_message(ticket: Ticket, message: TicketMessage) -> None:
    """Email the client and the CC contacts (with their reply address) and tell the notification centre,
    which must not email them a second time."""
    assert not message.is_internal  # an internal note is never announced to anybody outside staff
    _email(TicketEmail.Kind.MESSAGE, ticket, _recipient_contact_ids(ticket), message)
    for contact_id in _recipient_contact_ids(ticket):
        notify(
            Notice(
                event="ticket.replied",
                contact_id=contact_id,
                company_id=ticket.company_id,
                url=ticket_url(ticket),
                subject_public_id=ticket.public_id,
                params={"number": ticket.number, "subject": ticket.subject},
                channels_done=frozenset({"email"}),
            )
        )


@transaction.atomic
def add_agent_reply(
    *, actor: Any, ticket: Ticket, body: str, attachments: Sequence[UploadedFile] = ()
) -> TicketMessage:
    """An agent's answer: shown to the client, emailed to him and to the CC contacts."""
    text = clean_message_body(body)
    check_attachments(attachments)
    message = TicketMessage.objects.create(
        ticket=ticket, author_user=_user(actor), body=text, source=Ticket.Source.STAFF
    )
    _store_attachments(actor=actor, message=message, uploads=attachments, from_client=False)
    ticket.last_activity_at = message.created_at
    ticket.awaiting_agent = False
    ticket.save(update_fields=["last_activity_at", "awaiting_agent", "updated_at"])
    _timeline(ticket, "ticket.replied", actor=actor)
    _announce_agent_message(ticket, message)
    return message


@transaction.atomic
def add_synced_reply(
    *, actor: Any, ticket: Ticket, body: str, author: Any = None, announce: bool = True
) -> TicketMessage:
    """An agent's answer written in the CRM (HubSpot), brought in by the sync (``actor`` ``None``): a staff
    message by ``author`` (the mapped manager; ``None`` reads "Support team"), told to the client like any
    reply unless ``announce`` is off (a ticket the portal's filters keep out of the portal)."""
    text = clean_message_body(body[:MESSAGE_MAX_LENGTH])
    message = TicketMessage.objects.create(
        ticket=ticket, author_user=_user(author), body=text, source=Ticket.Source.STAFF
    )
    ticket.last_activity_at = message.created_at
    ticket.awaiting_agent = False
    ticket.save(update_fields=["last_activity_at", "awaiting_agent", "updated_at"])
    _timeline(ticket, "ticket.replied", actor=_user(author) or actor)
    record_audit(
        event="ticket.replied_in_crm",
        actor=actor,
        target=ticket,
        message=message.public_id,
        author=getattr(author, "pk", None),
    )
    if announce:
        _announce_agent_message(ticket, message)
    return message


@transaction.atomic
def add_internal_note(
    *, actor: Any, ticket: Ticket, body: str, attachments: Sequence[UploadedFile] = ()
) -> TicketMessage:
    """A note for colleagues: never shown, emailed, exported or counted as activity for the client."""
    text = clean_message_body(body)
    check_attachments(attachments)
    message = TicketMessage.objects.create(
        ticket=ticket, author_user=_user(actor), body=text, is_internal=True, source=Ticket.Source.STAFF
    )
    _store_attachments(actor=actor, message=message, uploads=attachments, from_client=False)
    ticket.save(update_fields=["updated_at"])
    _timeline(ticket, "ticket.note", actor=actor, client_visible=False)
    return message


def add_ticket_message(*, actor: Any, ticket: Ticket, body: str, is_internal: bool = False) -> TicketMessage:
    """A staff message: an internal note or a reply to the client (kept for the back office and the demo)."""
    if is_internal:
        return add_internal_note(actor=actor, ticket=ticket, body=body)
    return add_agent_reply(actor=actor, ticket=ticket, body=body)


@transaction.atomic
def add_client_reply(
    *,
    actor: Any,
    ticket: Ticket,
    contact: Contact,
    body: str,
    attachments: Sequence[UploadedFile] = (),
    source: str = Ticket.Source.PORTAL,
) -> TicketMessage:
    """A client's reply (portal or email). A reply to a closed ticket reopens it where the settings allow
    it, and is refused with a clear message where they do not."""
    text = clean_message_body(body)
    check_attachments(attachments)
    ticket = Ticket.objects.select_for_update().select_related("stage").get(pk=ticket.pk)
    if not ticket.is_open:
        if not ticket_settings().clients_can_reply_to_closed:
            raise TicketClosedError(
                {
                    "body": gettext(
                        "This request is closed and does not accept replies. Please open a new request."
                    )
                }
            )
        _reopen(actor=actor, ticket=ticket)
    message = TicketMessage.objects.create(
        ticket=ticket, author_user=_user(actor), author_contact=contact, body=text, source=source
    )
    _store_attachments(actor=actor, message=message, uploads=attachments, from_client=True)
    ticket.last_activity_at = message.created_at
    ticket.awaiting_agent = True
    ticket.save(update_fields=["last_activity_at", "awaiting_agent", "updated_at"])
    _timeline(ticket, "ticket.client_replied", actor=actor)
    return message


def _reopen(*, actor: Any, ticket: Ticket) -> None:
    stage = reopening_stage(ticket.pipeline_id)
    if stage is None:
        raise ValidationError(
            {"body": gettext("This request cannot be reopened. Please open a new request.")}
        )
    ticket.stage = stage
    ticket.closed_at = None
    ticket.last_activity_at = timezone.now()
    ticket.save(update_fields=["stage", "closed_at", "last_activity_at", "updated_at"])
    _timeline(ticket, "ticket.reopened", actor=actor)
    record_audit(event="ticket.reopened", actor=actor, target=ticket, stage=stage.pk)


# --- stages, closing, properties --------------------------------------------------------------------------


@transaction.atomic
def change_ticket_stage(*, actor: Any, ticket: Ticket, stage: Stage, by_client: bool = False) -> Ticket:
    """Move a ticket to a stage (of its pipeline, or of another ticket pipeline, which moves it there).

    Closing stamps ``closed_at`` and a fresh rating nonce; closing by staff emails the client that the
    request is solved (with the one-click rating links when ratings are on).
    """
    if stage.pipeline.kind != Pipeline.Kind.TICKET:
        raise ValidationError({"stage": gettext("Choose a stage of a ticket pipeline.")})
    if stage.pk == ticket.stage_id:
        return ticket
    was_open = ticket.is_open
    now = timezone.now()
    ticket.stage = stage
    ticket.pipeline_id = stage.pipeline_id
    ticket.last_activity_at = now
    if stage.is_open:
        ticket.closed_at = None
    elif was_open:
        ticket.closed_at = now
        ticket.rating_nonce = new_public_id()
    ticket.save(
        update_fields=["stage", "pipeline", "closed_at", "rating_nonce", "last_activity_at", "updated_at"]
    )
    if was_open and not stage.is_open:
        event = "ticket.closed_by_client" if by_client else "ticket.closed"
    elif not was_open and stage.is_open:
        event = "ticket.reopened"
    else:
        event = "ticket.stage_changed"
    _timeline(ticket, event, actor=actor, stage=translations(stage, "client_name"), stage_id=stage.pk)
    record_audit(event="ticket.stage_changed", actor=actor, target=ticket, stage=stage.pk)
    if was_open and not stage.is_open and not by_client and ticket.contact_id:
        _email(TicketEmail.Kind.SOLVED, ticket, [ticket.contact_id])
        notify(
            Notice(
                event="ticket.solved",
                contact_id=ticket.contact_id,
                company_id=ticket.company_id,
                url=ticket_url(ticket),
                subject_public_id=ticket.public_id,
                params={"number": ticket.number, "subject": ticket.subject},
                channels_done=frozenset({"email"}),
            )
        )
    return ticket


@transaction.atomic
def close_ticket_by_client(*, actor: Any, ticket: Ticket) -> Ticket:
    """The client's "Close": allowed by the settings, into the closing stage of the ticket's pipeline."""
    if not ticket_settings().clients_can_close:
        raise ValidationError(gettext("Requests are closed by our staff. Write a reply if it is solved."))
    ticket = Ticket.objects.select_for_update().select_related("stage").get(pk=ticket.pk)
    if not ticket.is_open:
        return ticket
    stage = closing_stage(ticket.pipeline_id)
    if stage is None:
        raise ValidationError(gettext("This request cannot be closed from the portal. Please write a reply."))
    return change_ticket_stage(actor=actor, ticket=ticket, stage=stage, by_client=True)


@transaction.atomic
def assign_ticket(*, actor: Any, ticket: Ticket, owner: Any | None) -> Ticket:
    """Give the ticket to an agent (or to nobody)."""
    from kabinet.tickets.selectors import can_work_on_tickets

    if owner is not None and not can_work_on_tickets(owner):
        raise ValidationError({"owner": gettext("Only support agents can own tickets.")})
    if (owner.pk if owner else None) == ticket.owner_id:
        return ticket
    ticket.owner = owner
    ticket.save(update_fields=["owner", "updated_at"])
    if owner is None:
        _timeline(ticket, "ticket.unassigned", actor=actor, client_visible=False)
    else:
        _timeline(ticket, "ticket.assigned", actor=actor, client_visible=False, owner=str(owner))
    record_audit(event="ticket.assigned", actor=actor, target=ticket, owner=getattr(owner, "public_id", ""))
    return ticket


@transaction.atomic
def change_ticket_priority(*, actor: Any, ticket: Ticket, priority: str) -> Ticket:
    if priority not in Ticket.Priority.values:
        raise ValidationError({"priority": gettext("Choose a priority from the list.")})
    if priority == ticket.priority:
        return ticket
    ticket.priority = priority
    ticket.save(update_fields=["priority", "updated_at"])
    _timeline(
        ticket,
        "ticket.priority_changed",
        actor=actor,
        client_visible=False,
        priority=in_every_language(lambda: Ticket.Priority(priority).label),
    )
    return ticket


@transaction.atomic
def change_ticket_category(*, actor: Any, ticket: Ticket, category: TicketCategory | None) -> Ticket:
    if (category.pk if category else None) == ticket.category_id:
        return ticket
    ticket.category = category
    ticket.save(update_fields=["category", "updated_at"])
    _timeline(
        ticket,
        "ticket.category_changed",
        actor=actor,
        category=translations(category, "name") if category else "—",
    )
    return ticket


def _add_cc(*, actor: Any, ticket: Ticket, contact: Contact) -> TicketCC | None:
    if contact.pk == ticket.contact_id:
        return None
    if (
        ticket.company_id is None
        or not Membership.objects.filter(contact=contact, company_id=ticket.company_id).exists()
    ):
        raise ValidationError({"cc": gettext("Only colleagues from the ticket's company can be copied.")})
    link, created = TicketCC.objects.get_or_create(
        ticket=ticket, contact=contact, defaults={"added_by": _user(actor)}
    )
    if created:
        _timeline(ticket, "ticket.cc_added", actor=actor, name=contact.full_name)
    return link


@transaction.atomic
def add_ticket_cc(*, actor: Any, ticket: Ticket, contact: Contact) -> TicketCC | None:
    """Copy a colleague of the ticket's company: he gets the replies by email and sees the ticket."""
    return _add_cc(actor=actor, ticket=ticket, contact=contact)


@transaction.atomic
def remove_ticket_cc(*, actor: Any, ticket: Ticket, contact: Contact) -> None:
    deleted, _rows = TicketCC.objects.filter(ticket=ticket, contact=contact).delete()
    if deleted:
        _timeline(ticket, "ticket.cc_removed", actor=actor, name=contact.full_name)


EMAIL_MAX_LENGTH = 254  # RFC 5321


def contact_by_email(email: str) -> Contact | None:
    """The contact carrying this email (his primary address first); None for anything that is no address."""
    email = (email or "").strip()
    if not email or len(email) > EMAIL_MAX_LENGTH:  # never send an unbounded client value to the database
        return None
    row = (
        ContactEmail.objects.filter(email__iexact=email)
        .select_related("contact")
        .order_by("-is_primary", "id")
        .first()
    )
    return row.contact if row else None


# --- satisfaction ---------------------------------------------------------------------------------------


def can_be_rated(ticket: Ticket) -> bool:
    """Solved, ratings on, and not yet rated since it was last closed."""
    return (
        ticket_settings().ratings_enabled
        and not ticket.is_open
        and (ticket.rated_at is None or ticket.rated_at < ticket.closed_at)
    )


@transaction.atomic
def rate_ticket(
    *, actor: Any, ticket: Ticket, rating: int, comment: str = "", nonce: str | None = None
) -> Ticket:
    """Record the client's satisfaction with a solved ticket, once per closing.

    ``nonce`` comes from an emailed link: it must match the ticket's current one, and using it rotates it,
    so every emailed link works once.
    """
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if rating not in Ticket.Rating.values:
        raise ValidationError({"rating": gettext("Choose one of the answers.")})
    if nonce is not None and (not ticket.rating_nonce or nonce != ticket.rating_nonce):
        raise ValidationError(gettext("This link has already been used or has expired."), code="used")
    if not can_be_rated(ticket):
        raise ValidationError(gettext("This request cannot be rated now."), code="not_ratable")
    comment = (comment or "").strip()
    if len(comment) > RATING_COMMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "comment": gettext("Keep the comment under %(limit)s characters.")
                % {"limit": RATING_COMMENT_MAX_LENGTH}
            }
        )
    ticket.rating = rating
    ticket.rating_comment = comment
    ticket.rated_at = timezone.now()
    ticket.rating_nonce = new_public_id()
    ticket.save(update_fields=["rating", "rating_comment", "rated_at", "rating_nonce", "updated_at"])
    _timeline(
        ticket,
        "ticket.rated",
        actor=actor,
        rating=in_every_language(lambda: Ticket.Rating(rating).label),
        rating_value=rating,
    )
    record_audit(event="ticket.rated", actor=actor, target=ticket, rating=rating)
    return ticket


@transaction.atomic
def comment_rating(*, actor: Any, ticket: Ticket, comment: str) -> Ticket:
    """Add the optional comment to a rating given without one (e.g. from the email)."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": gettext("Write a comment.")})
    if len(comment) > RATING_COMMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "comment": gettext("Keep the comment under %(limit)s characters.")
                % {"limit": RATING_COMMENT_MAX_LENGTH}
            }
        )
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.rating is None or ticket.rating_comment:
        raise ValidationError(gettext("This request cannot be rated now."))
    ticket.rating_comment = comment
    ticket.save(update_fields=["rating_comment", "updated_at"])
    _timeline(ticket, "ticket.rating_commented", actor=actor)
    record_audit(event="ticket.rating_commented", actor=actor, target=ticket)
    return ticket


# --- settings -------------------------------------------------------------------------------------------


def _forget_settings_now_and_after_commit() -> None:
    forget_ticket_settings()
    transaction.on_commit(forget_ticket_settings)


@transaction.atomic
def save_ticket_settings(
    *, actor: Any, settings_row: TicketSettings, changed_fields: Sequence[str] = ()
) -> TicketSettings:
    """Save the ticket portal settings (the single row) and forget the cached snapshot."""
    if settings_row.pk is None and TicketSettings.objects.exists():
        settings_row.pk = TicketSettings.objects.order_by("pk").values_list("pk", flat=True).first()
    unknown_sources = set(settings_row.sources or ()) - set(Ticket.Source.values)
    unknown_priorities = set(settings_row.priorities or ()) - set(Ticket.Priority.values)
    if unknown_sources or unknown_priorities:
        raise ValidationError(gettext("Unknown source or priority in the filters."))
    settings_row.full_clean()
    settings_row.save()
    record_audit(
        event="tickets.settings_changed", actor=actor, target=settings_row, fields=list(changed_fields)
    )
    _forget_settings_now_and_after_commit()
    return settings_row


def ticket_settings_changed(*, actor: Any) -> None:
    """Related rows (filters, pipeline rules) changed: forget the cached snapshot."""
    _forget_settings_now_and_after_commit()


@transaction.atomic
def save_ticket_category(*, actor: Any, category: TicketCategory) -> TicketCategory:
    category.full_clean()
    category.save()
    record_audit(event="tickets.category_saved", actor=actor, target=category, name=category.name)
    _forget_settings_now_and_after_commit()
    return category


@transaction.atomic
def delete_ticket_category(*, actor: Any, category: TicketCategory) -> None:
    record_audit(event="tickets.category_deleted", actor=actor, target=category, name=category.name)
    category.delete()
    _forget_settings_now_and_after_commit()


# --- inbound email --------------------------------------------------------------------------------------


def _log_inbound(
    mail: InboundEmail, status: str, *, ticket: Ticket | None = None, detail: str = ""
) -> InboundResult:
    logged = InboundMail.objects.create(
        message_id=mail.message_id[:250],
        sender=mail.sender[:250],
        recipients=", ".join(mail.recipients),
        subject=mail.subject[:250],
        body=mail.text[:MESSAGE_MAX_LENGTH],
        status=status,
        detail=detail,
        ticket=ticket,
    )
    return InboundResult(
        status=status, ticket_public_id=ticket.public_id if ticket else "", detail=detail, log_id=logged.pk
    )


def _inbound_uploads(mail: InboundEmail) -> tuple[list[UploadedFile], list[str]]:
    """The attachments that pass the checks (at most the settings' count); the others are named in the log."""
    accepted: list[UploadedFile] = []
    refused: list[str] = []
    limit = ticket_settings().max_attachments
    for attachment in mail.attachments:
        upload = ContentFile(attachment.content, name=attachment.name[-200:] or "attachment")
        try:
            check_upload(upload)
        except ValidationError as error:
            refused.append(f"{attachment.name}: {' '.join(error.messages)}")
            continue
        if len(accepted) >= limit:
            refused.append(attachment.name + ": " + gettext("too many attachments"))
            continue
        accepted.append(upload)
    return accepted, refused


@transaction.atomic
def receive_inbound_email(*, mail: InboundEmail) -> InboundResult:
    """Handle one received email: a reply (its reply address carries a signed token naming the ticket and
    the recipient, and the sender must be that contact) is added to the ticket; an email without a token
    from a known contact opens a new ticket. Every outcome is logged in ``InboundMail``."""
    if (
        mail.message_id
        and InboundMail.objects.filter(
            message_id=mail.message_id, status__in=[InboundMail.Status.ADDED, InboundMail.Status.CREATED]
        ).exists()
    ):
        return _log_inbound(mail, InboundMail.Status.DUPLICATE)
    text = strip_quoted(mail.text)
    found = find_reply_token(mail.recipients)
    uploads, refused = _inbound_uploads(mail)
    detail = "\n".join(refused)
    if found is None:
        contact = contact_by_email(mail.sender)
        if contact is None or mail.auto_submitted:
            return _log_inbound(mail, InboundMail.Status.UNKNOWN_SENDER, detail=detail)
        company = contact.companies.order_by("name", "id").first()
        try:
            ticket = create_ticket(
                actor=contact.user,
                subject=mail.subject or gettext("(no subject)"),
                body=text,
                company=company,
                contact=contact,
                source=Ticket.Source.EMAIL,
                attachments=uploads,
            )
        except ValidationError as error:
            return _log_inbound(mail, InboundMail.Status.INVALID, detail="\n".join([*error.messages, detail]))
        return _log_inbound(mail, InboundMail.Status.CREATED, ticket=ticket, detail=detail)
    ticket_id, contact_id = found
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        return _log_inbound(mail, InboundMail.Status.UNKNOWN_TICKET, detail=detail)
    contact = Contact.objects.filter(pk=contact_id).select_related("user").first()
    sender_ok = contact is not None and contact.emails.filter(email__iexact=mail.sender).exists()
    if not sender_ok:
        return _log_inbound(mail, InboundMail.Status.SENDER_MISMATCH, ticket=ticket, detail=detail)
    try:
        with transaction.atomic():
            add_client_reply(
                actor=contact.user,
                ticket=ticket,
                contact=contact,
                body=text,
                attachments=uploads,
                source=Ticket.Source.EMAIL,
            )
    except TicketClosedError:
        if not mail.auto_submitted:
            _email(TicketEmail.Kind.CLOSED_NOTICE, ticket, [contact.pk])
        return _log_inbound(mail, InboundMail.Status.CLOSED, ticket=ticket, detail=detail)
    except ValidationError as error:
        return _log_inbound(
            mail, InboundMail.Status.INVALID, ticket=ticket, detail="\n".join([*error.messages, detail])
        )
    return _log_inbound(mail, InboundMail.Status.ADDED, ticket=ticket, detail=detail)
