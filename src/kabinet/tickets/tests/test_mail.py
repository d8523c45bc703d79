"""Email in and out: reply tokens, the inbound handler (reply added, refused, new ticket, duplicates), the
mailbox backends and the command, and parsing of real-world messages."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from django.core import mail
from django.core.management import call_command

from kabinet.crm.models import TimelineEntry
from kabinet.files.models import ClientFile
from kabinet.testing.matrix import Role
from kabinet.tickets import actions
from kabinet.tickets.inbound import DirectoryMailbox, InboundEmail, MemoryMailbox, parse_rfc822, strip_quoted
from kabinet.tickets.models import InboundMail, Ticket, TicketMessage
from kabinet.tickets.tasks import process_mailbox
from kabinet.tickets.tests.helpers import PNG, configure
from kabinet.tickets.tokens import find_reply_token, read_reply_token, reply_address, reply_token

pytestmark = pytest.mark.django_db


def raw_email(
    *,
    sender: str,
    to: str,
    subject: str = "Re: [#00001] Вопрос",
    text: str = "Спасибо, всё получили.",
    message_id: str = "<m1@client.example>",
    attachments: list[tuple[str, bytes, str]] = (),
    html: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = f"Клиент <{sender}>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for name, content, kind in attachments:
        maintype, subtype = kind.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def reply_for(world, role: Role = Role.OWNER) -> tuple[str, str]:
    user = world.user(role)
    return user.email, reply_address(world.ticket.pk, user.contact.pk)


def handle(raw: bytes):
    return actions.receive_inbound_email(mail=parse_rfc822(raw))


def test_reply_token_round_trip_and_tampering(settings):
    settings.KABINET_TICKETS_MAILBOX = "help@shop.example"
    address = reply_address(42, 7)
    assert address.startswith("help+") and address.endswith("@shop.example")
    assert len(address.partition("@")[0]) <= 64
    assert find_reply_token([f"Support <{address.upper()}>"]) == (42, 7)  # servers may change the case
    token = reply_token(42, 7)
    assert read_reply_token(token) == (42, 7)
    assert read_reply_token(token.replace("2a-7", "2b-7")) is None
    assert read_reply_token("2a-7-" + "0" * 20) is None
    assert find_reply_token(["help@shop.example"]) is None


def test_emailed_reply_is_added_to_the_ticket(world, agent):
    sender, to = reply_for(world)
    text = "Спасибо, всё получили.\n\n##- Write your reply above this line -##\n\nМария:\nстарый текст"
    result = handle(raw_email(sender=sender, to=to, text=text, attachments=[("photo.png", PNG, "image/png")]))
    assert result.status == InboundMail.Status.ADDED and result.ticket_public_id == world.ticket.public_id
    message = world.ticket.messages.get(source=Ticket.Source.EMAIL)
    assert (
        message.body == "Спасибо, всё получили." and message.author_contact == world.user(Role.OWNER).contact
    )
    assert ClientFile.objects.filter(subject_id=message.pk, original_name="photo.png").exists()
    assert TimelineEntry.objects.filter(event="ticket.client_replied", subject_id=world.ticket.pk).exists()
    assert InboundMail.objects.get(pk=result.log_id).ticket == world.ticket


def test_the_same_email_twice_is_added_once(world):
    sender, to = reply_for(world)
    raw = raw_email(sender=sender, to=to)
    assert handle(raw).status == InboundMail.Status.ADDED
    assert handle(raw).status == InboundMail.Status.DUPLICATE
    assert world.ticket.messages.filter(source=Ticket.Source.EMAIL).count() == 1


def test_sender_must_be_the_addressed_contact(world):
    _sender, to = reply_for(world)
    result = handle(raw_email(sender="attacker@evil.example", to=to))
    assert result.status == InboundMail.Status.SENDER_MISMATCH
    colleague_sender = world.user(Role.COLLEAGUE).email  # another contact, even a colleague, cannot use it
    assert handle(raw_email(sender=colleague_sender, to=to, message_id="<m2@x>")).status == "sender_mismatch"
    assert not world.ticket.messages.exists()


def test_forged_token_never_reaches_the_ticket(world):
    sender, to = reply_for(world)
    local, _at, domain = to.partition("@")
    ticket_hex, contact_hex, signature = local.split("+")[1].split("-")
    other_ticket = f"{world.foreign['ticket'].pk:x}"
    forged = f"noreply+{other_ticket}-{contact_hex}-{signature}@{domain}"
    result = handle(raw_email(sender=sender, to=forged))
    # no genuine token: a new email from a known contact opens a new ticket of his own
    assert result.status == InboundMail.Status.CREATED
    assert result.ticket_public_id not in (world.ticket.public_id, world.foreign["ticket"].public_id)
    assert not world.foreign["ticket"].messages.exists()


def test_reply_to_closed_ticket_refused_with_an_answer(
    world, agent, closed_stage, django_capture_on_commit_callbacks
):
    configure(clients_can_reply_to_closed=False)
    actions.change_ticket_stage(actor=agent, ticket=world.ticket, stage=closed_stage)
    sender, to = reply_for(world)
    with django_capture_on_commit_callbacks(execute=True):
        result = handle(raw_email(sender=sender, to=to))
    assert result.status == InboundMail.Status.CLOSED
    (notice,) = mail.outbox
    assert "is closed" in notice.body and "/tickets/new/" in notice.body
    assert notice.extra_headers["Auto-Submitted"] == "auto-replied"
    with django_capture_on_commit_callbacks(execute=True):
        auto = handle(
            raw_email(sender=sender, to=to, message_id="<auto>", headers={"Auto-Submitted": "auto-replied"})
        )
    assert auto.status == InboundMail.Status.CLOSED and len(mail.outbox) == 1  # never answer a robot


def test_reply_to_closed_ticket_reopens_where_allowed(world, agent, closed_stage):
    actions.change_ticket_stage(actor=agent, ticket=world.ticket, stage=closed_stage)
    sender, to = reply_for(world)
    assert handle(raw_email(sender=sender, to=to)).status == InboundMail.Status.ADDED
    world.ticket.refresh_from_db()
    assert world.ticket.is_open


def test_empty_or_huge_reply_is_logged_not_added(world):
    sender, to = reply_for(world)
    assert (
        handle(raw_email(sender=sender, to=to, text="> только цитата")).status == InboundMail.Status.INVALID
    )
    huge = "x" * (actions.MESSAGE_MAX_LENGTH + 10)
    assert handle(raw_email(sender=sender, to=to, text=huge, message_id="<big>")).status == "invalid"
    assert not world.ticket.messages.exists()


def test_bad_attachments_are_dropped_and_named(world):
    sender, to = reply_for(world)
    result = handle(
        raw_email(
            sender=sender,
            to=to,
            attachments=[
                ("page.html", b"<html><script>x</script></html>", "text/html"),
                ("ok.png", PNG, "image/png"),
            ],
        )
    )
    assert result.status == InboundMail.Status.ADDED and "page.html" in result.detail
    message = TicketMessage.objects.get(source="email")
    assert list(ClientFile.objects.filter(subject_id=message.pk).values_list("original_name", flat=True)) == [
        "ok.png"
    ]


def test_new_email_from_a_known_contact_opens_a_ticket(world, django_capture_on_commit_callbacks):
    owner = world.user(Role.OWNER)
    with django_capture_on_commit_callbacks(execute=True):
        result = handle(
            raw_email(sender=owner.email, to="noreply@kabinet.local", subject="Новый вопрос по договору")
        )
    assert result.status == InboundMail.Status.CREATED
    ticket = Ticket.objects.get(public_id=result.ticket_public_id)
    assert (
        ticket.source == Ticket.Source.EMAIL
        and ticket.contact == owner.contact
        and ticket.company == world.company
    )
    (ack,) = mail.outbox
    assert f"#{ticket.number}" in ack.subject and find_reply_token(ack.reply_to) == (
        ticket.pk,
        owner.contact.pk,
    )


def test_unknown_sender_is_logged_for_staff(world):
    result = handle(raw_email(sender="stranger@example.test", to="noreply@kabinet.local"))
    assert result.status == InboundMail.Status.UNKNOWN_SENDER
    assert InboundMail.objects.get(pk=result.log_id).sender == "stranger@example.test"
    assert Ticket.objects.count() == 2  # the world's two, nothing new


def test_html_only_email_becomes_text():
    html = EmailMessage()
    html["From"] = "a@example.test"
    html["To"] = "b@example.test"
    html.set_content("<p>Привет<br>мир</p><script>alert(1)</script>", subtype="html")
    parsed = parse_rfc822(html.as_bytes())
    assert "Привет" in parsed.text and "мир" in parsed.text and "<" not in parsed.text


def test_strip_quoted_text():
    assert strip_quoted("Ответ\n\nOn Mon, 1 Jan 2026 at 10:00, Support <s@x> wrote:\n> old") == "Ответ"
    assert strip_quoted("Ответ\n\n20.11.2026, 10:00, Поддержка пишет:\n> старое") == "Ответ"
    assert strip_quoted("Ответ\n> цитата\n> ещё") == "Ответ"
    assert strip_quoted("Строка 1\n> цитата внутри\nСтрока 2") == "Строка 1\n> цитата внутри\nСтрока 2"


def test_directory_mailbox_and_command(world, tmp_path, settings):
    settings.KABINET_TICKETS_INBOUND_DIR = tmp_path
    sender, to = reply_for(world)
    (tmp_path / "1.eml").write_bytes(raw_email(sender=sender, to=to))
    (tmp_path / "2.eml").write_bytes(
        raw_email(sender="nobody@example.test", to="x@example.test", message_id="<2>")
    )
    call_command("fetch_ticket_mail")
    assert sorted(p.name for p in (tmp_path / "done").iterdir()) == ["1.eml", "2.eml"]
    assert not list(tmp_path.glob("*.eml"))
    assert world.ticket.messages.filter(source="email").count() == 1
    assert DirectoryMailbox(tmp_path / "missing").fetch() is not None


def test_memory_mailbox(world):
    sender, to = reply_for(world)
    MemoryMailbox.messages = [raw_email(sender=sender, to=to)]
    MemoryMailbox.handled = []
    results = process_mailbox(MemoryMailbox())
    assert [r.status for r in results] == ["added"] and MemoryMailbox.handled[0][1] is True


def test_agent_reply_email_answered_by_email_end_to_end(world, agent, django_capture_on_commit_callbacks):
    """The client gets the agent's reply by email, answers it, and the answer lands in the ticket."""
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_agent_reply(actor=agent, ticket=world.ticket, body="Пришлите номер заказа.")
    (outgoing,) = mail.outbox
    answer = EmailMessage()
    answer["From"] = outgoing.to[0]
    answer["To"] = outgoing.reply_to[0]
    answer["Subject"] = "Re: " + outgoing.subject
    answer["Message-ID"] = "<answer@client>"
    answer.set_content("Номер 12345.\n\n> " + outgoing.body.replace("\n", "\n> "))
    assert handle(answer.as_bytes()).status == "added"
    assert world.ticket.messages.order_by("-id").first().body == "Номер 12345."


def test_auto_submitted_header_is_read():
    raw = raw_email(
        sender="a@example.test", to="b@example.test", headers={"Auto-Submitted": "auto-generated"}
    )
    assert parse_rfc822(raw).auto_submitted
    assert not parse_rfc822(raw_email(sender="a@example.test", to="b@example.test")).auto_submitted
    assert InboundEmail(sender="a@b.c", recipients=()).attachments == ()
