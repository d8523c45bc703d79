"""Ticket email: each agent reply to the client and the CC contacts (text, link, a reply address carrying a
signed token), the "solved" email with one-click rating links, and two short automatic answers.

Each recipient gets his own message in his own language, with his own reply address, so the inbound
handler knows who answered. Only public messages are ever emailed.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kabinet.core.branding import from_email, language_of
from kabinet.crm.models import Contact, ContactEmail
from kabinet.files.models import ClientFile
from kabinet.tickets.models import Ticket, TicketCC, TicketEmail, TicketMessage
from kabinet.tickets.tokens import mailbox_address, rating_token, reply_address


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _email_of(contact_ids: Iterable[int]) -> dict[int, str]:
    """The primary (else the first) address of each contact."""
    found: dict[int, str] = {}
    rows = ContactEmail.objects.filter(contact_id__in=list(contact_ids)).order_by("-is_primary", "id")
    for contact_id, address in rows.values_list("contact_id", "email"):
        found.setdefault(contact_id, address)
    return found


def _language(contact: Contact) -> str:
    return language_of(contact.user)


def _thread_headers(ticket: Ticket) -> dict[str, str]:
    # The same reference on every email of a ticket keeps them in one thread in the client's mail program.
    domain = mailbox_address().partition("@")[2] or "kabinet.local"
    thread = f"<ticket-{ticket.public_id}@{domain}>"
    return {"References": thread, "In-Reply-To": thread}


def _subject(ticket: Ticket, text: str = "") -> str:
    base = f"[#{ticket.number}] {ticket.subject}"
    return f"{text}: {base}" if text else base


def _recipients(ticket: Ticket, *, with_cc: bool = True) -> list[Contact]:
    ids = [ticket.contact_id] if ticket.contact_id else []
    if with_cc:
        ids.extend(TicketCC.objects.filter(ticket=ticket).values_list("contact_id", flat=True))
    contacts = Contact.objects.filter(pk__in=ids).select_related("user")
    return sorted(contacts, key=lambda c: ids.index(c.pk))


def _send(messages: list[EmailMessage], headers: dict[str, str] | None = None) -> int:
    if not messages:
        return 0
    for message in messages:
        message.extra_headers.update(headers or {})
    with get_connection() as connection:
        return connection.send_messages(messages) or 0


def _outbox_headers(row: TicketEmail) -> dict[str, str]:
    # One id per outbox row: an email sent again after a crash carries the same Message-ID (mail systems drop
    # the duplicate), and a test's mail sink can count every row's emails.
    key = f"ticket-email-{row.pk}"
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "kabinet.local"
    return {"X-Kabinet-Id": key, "Message-ID": f"<{key}@{domain}>"}


def send_outbox_row(row: TicketEmail) -> int:
    """Send the email one outbox row stands for (tickets/outbox.py); the number of emails sent (0 or 1)."""
    headers = _outbox_headers(row)
    if row.kind == TicketEmail.Kind.MESSAGE:
        return send_message_email(row.message_id, contact_id=row.contact_id, headers=headers)
    if row.kind == TicketEmail.Kind.SOLVED:
        return send_solved_email(row.ticket_id, headers=headers)
    if row.kind == TicketEmail.Kind.RECEIVED:
        return send_received_email(row.ticket_id, headers=headers)
    return send_closed_notice_email(row.ticket_id, row.contact_id, headers=headers)


def _email(
    ticket: Ticket, contact: Contact, address: str, subject: str, template: str, context: dict
) -> EmailMessage:
    with translation.override(_language(contact)):
        body = render_to_string(
            template,
            {
                "ticket": ticket,
                "contact": contact,
                "ticket_link": absolute_url(reverse("tickets:detail", args=[ticket.public_id])),
                **context,
            },
        )
        subject_line = _subject(ticket, str(subject) if subject else "")
    return EmailMessage(
        subject=subject_line,
        body=body,
        from_email=from_email(),
        to=[address],
        reply_to=[reply_address(ticket.pk, contact.pk)],
        headers=_thread_headers(ticket),
    )


def send_message_email(
    message_id: int, contact_id: int | None = None, *, headers: dict[str, str] | None = None
) -> int:
    """Email a public message (an agent's reply, or the first message of a ticket staff raised) to the
    ticket's contact and the CC contacts (only to ``contact_id`` when given: one outbox row). Returns the
    number of emails sent."""
    message = TicketMessage.objects.select_related("ticket", "author_user").filter(pk=message_id).first()
    if message is None or message.is_internal:  # defence in depth: a note is never emailed
        return 0
    ticket = message.ticket
    files = list(
        ClientFile.objects.filter(
            subject_type__app_label="tickets", subject_type__model="ticketmessage", subject_id=message.pk
        ).values_list("original_name", flat=True)
    )
    contacts = [c for c in _recipients(ticket) if contact_id is None or c.pk == contact_id]
    addresses = _email_of(c.pk for c in contacts)
    is_first = not TicketMessage.objects.filter(ticket=ticket, pk__lt=message.pk).exists()
    emails = []
    for contact in contacts:
        if contact.pk not in addresses:
            continue
        with translation.override(_language(contact)):
            subject = "" if is_first else _("New reply")
        emails.append(
            _email(
                ticket,
                contact,
                addresses[contact.pk],
                subject,
                "tickets/email/message.txt",
                {"message": message, "author": message.author_user, "files": files},
            )
        )
    return _send(emails, headers)


def send_solved_email(ticket_id: int, *, headers: dict[str, str] | None = None) -> int:
    """Tell the client his request is solved; with the three one-click rating links when ratings are on."""
    from kabinet.tickets.conf import ticket_settings

    ticket = Ticket.objects.select_related("stage").filter(pk=ticket_id).first()
    if ticket is None or ticket.is_open or not ticket.contact_id:
        return 0
    contact = _recipients(ticket, with_cc=False)[0]
    address = _email_of([contact.pk]).get(contact.pk)
    if not address:
        return 0
    links = []
    if ticket_settings().ratings_enabled and ticket.rating_nonce:
        for value, label in reversed(Ticket.Rating.choices):
            token = rating_token(
                ticket_public_id=ticket.public_id,
                contact_id=contact.pk,
                rating=value,
                nonce=ticket.rating_nonce,
            )
            links.append((label, absolute_url(reverse("tickets:rate_link", args=[token]))))
    with translation.override(_language(contact)):
        subject = _("Solved")
        email = _email(ticket, contact, address, subject, "tickets/email/solved.txt", {"links": links})
    return _send([email], headers)


def send_received_email(ticket_id: int, *, headers: dict[str, str] | None = None) -> int:
    """Acknowledge a ticket opened by email, so that the client has its number and reply address."""
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None or not ticket.contact_id:
        return 0
    contact = _recipients(ticket, with_cc=False)[0]
    address = _email_of([contact.pk]).get(contact.pk)
    if not address:
        return 0
    with translation.override(_language(contact)):
        subject = _("Received")
        email = _email(ticket, contact, address, subject, "tickets/email/received.txt", {})
    email.extra_headers["Auto-Submitted"] = "auto-replied"
    return _send([email], headers)


def send_closed_notice_email(
    ticket_id: int, contact_id: int, *, headers: dict[str, str] | None = None
) -> int:
    """Answer an emailed reply to a closed ticket that the settings do not reopen."""
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    contact = Contact.objects.select_related("user").filter(pk=contact_id).first()
    if ticket is None or contact is None:
        return 0
    address = _email_of([contact.pk]).get(contact.pk)
    if not address:
        return 0
    new_link = absolute_url(reverse("tickets:new"))
    with translation.override(_language(contact)):
        subject = _("Closed")
        email = _email(ticket, contact, address, subject, "tickets/email/closed.txt", {"new_link": new_link})
    email.extra_headers["Auto-Submitted"] = "auto-replied"
    return _send([email], headers)
