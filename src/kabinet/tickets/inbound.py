"""Inbound email: the contract, the mailbox backends and the parsing of raw messages.

A mailbox backend (``KABINET_TICKETS_INBOUND_BACKEND``) hands over raw RFC 822 messages; each is parsed
into an :class:`InboundEmail` and given to ``actions.receive_inbound_email``, which adds it to the ticket its
reply address names (or opens a new ticket for a known sender) and logs the outcome in ``InboundMail``.

Backends: ``directory`` (offline: ``*.eml`` files dropped into ``KABINET_TICKETS_INBOUND_DIR``; the demo
and the tests use it) and ``memory`` (tests). A real mailbox (IMAP, a provider's inbound webhook) is one
more class with the same two methods.
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from pathlib import Path
from typing import Protocol

import nh3
from django.conf import settings

MAX_RAW_BYTES = 30 * 1024 * 1024


@dataclass(frozen=True)
class InboundAttachment:
    name: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class InboundEmail:
    """One received email, already decoded."""

    sender: str  # the bare address of From
    recipients: tuple[str, ...]  # To, Cc, Delivered-To, X-Original-To (any may carry the reply token)
    subject: str = ""
    text: str = ""
    message_id: str = ""
    attachments: tuple[InboundAttachment, ...] = field(default_factory=tuple)
    auto_submitted: bool = False  # an auto-reply or bounce: never answered, to avoid mail loops


@dataclass(frozen=True)
class InboundResult:
    """What became of an email: one of ``InboundMail.Status`` and the ticket it touched, if any."""

    status: str
    ticket_public_id: str = ""
    detail: str = ""
    log_id: int | None = None  # the InboundMail row


class Mailbox(Protocol):
    """A source of raw messages. ``fetch`` yields (raw bytes, acknowledge); acknowledge after handling."""

    def fetch(self) -> Iterator[tuple[bytes, Callable[[bool], None]]]: ...


class DirectoryMailbox:
    """Offline backend: every ``*.eml`` file in a folder is a message; handled ones move to ``done/`` (or
    ``failed/`` when the handler raised)."""

    def __init__(self, folder: Path | str | None = None):
        self.folder = Path(folder or settings.KABINET_TICKETS_INBOUND_DIR)

    def fetch(self) -> Iterator[tuple[bytes, Callable[[bool], None]]]:
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.glob("*.eml")):
            if path.stat().st_size > MAX_RAW_BYTES:
                self._move(path, ok=False)
                continue

            def acknowledge(ok: bool, path: Path = path) -> None:
                self._move(path, ok=ok)

            yield path.read_bytes(), acknowledge

    def _move(self, path: Path, *, ok: bool) -> None:
        target = self.folder / ("done" if ok else "failed")
        target.mkdir(exist_ok=True)
        path.replace(target / path.name)


class MemoryMailbox:
    """Test backend: messages put in ``messages`` are fetched once."""

    messages: list[bytes] = []
    handled: list[tuple[bytes, bool]] = []

    def fetch(self) -> Iterator[tuple[bytes, Callable[[bool], None]]]:
        while MemoryMailbox.messages:
            raw = MemoryMailbox.messages.pop(0)
            yield raw, lambda ok, raw=raw: MemoryMailbox.handled.append((raw, ok))


MAILBOXES: dict[str, Callable[[], Mailbox]] = {"directory": DirectoryMailbox, "memory": MemoryMailbox}


def register_mailbox(provider: str, factory: Callable[[], Mailbox]) -> None:
    MAILBOXES[provider] = factory


def configured_mailbox() -> Mailbox:
    return MAILBOXES[settings.KABINET_TICKETS_INBOUND_BACKEND]()


# --- parsing ----------------------------------------------------------------------------------------------

# Every outgoing ticket email starts with a line "##- Write your reply above this line -##" (translated);
# in a reply, everything from that line down is the quoted history.
REPLY_MARKER = "##-"
_QUOTE_HEADERS = (
    re.compile(r"^On .{3,200} wrote:\s*$"),
    re.compile(r"^.{0,200}\s(пишет|написал|написала)\s?:\s*$", re.IGNORECASE),
    re.compile(
        r"^-{2,}\s*(Original Message|Исходное сообщение|Пересылаемое сообщение)\s*-{2,}", re.IGNORECASE
    ),
    re.compile(r"^(From|От|Sent|Отправлено):\s.+$"),
)


def strip_quoted(text: str) -> str:
    """The new part of a reply: cut at our marker, at "On … wrote:" headers and drop trailing ``>`` quotes.

    Our marker is language-independent and reliable; the header patterns catch clients that drop it.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped.lstrip("> ").startswith(REPLY_MARKER) or any(p.match(stripped) for p in _QUOTE_HEADERS):
            break
        kept.append(line)
    while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith(">")):
        kept.pop()
    return "\n".join(kept).strip()


def _text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    content = body.get_content()
    if body.get_content_type() == "text/html":
        content = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", content)
        content = nh3.clean(content, tags=set())
        content = re.sub(r"&nbsp;", " ", content)
    return content


def parse_rfc822(raw: bytes) -> InboundEmail:
    """Decode a raw message (headers, the text body, attachments) into an :class:`InboundEmail`."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    recipients = []
    for header in ("To", "Cc", "Delivered-To", "X-Original-To"):
        recipients.extend(str(value) for value in message.get_all(header, []))
    attachments = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True) or b""
        attachments.append(
            InboundAttachment(
                name=part.get_filename() or "attachment",
                content=payload,
                content_type=part.get_content_type(),
            )
        )
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    return InboundEmail(
        sender=parseaddr(str(message.get("From", "")))[1].strip().lower(),
        recipients=tuple(address for _name, address in getaddresses(recipients) if address),
        subject=str(message.get("Subject", "")).strip(),
        text=_text_of(message),
        message_id=str(message.get("Message-ID", "")).strip()[:250],
        attachments=tuple(attachments),
        auto_submitted=auto not in ("", "no") or bool(message.get("X-Autoreply")),
    )
