"""Tickets, chat, notifications and files for synthetic clients (part of ``kabinet seed --papers``), and the
heavy clients (``--heavy N --heavy-size S``) that show whether a page's cost depends on the data's size.

Like the other seeders it works on the contacts created after ``after_contact_id``, in batches, each batch one
transaction, with ``bulk_create``. A heavy client is the member (second client) of one of the first companies
seeded: he gets ``size`` orders, documents, invoices, history entries, tickets, chat messages, notifications and
files, and is copied on tickets of his company admin, so both branches of the "own or copied" rule have rows.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from kabinet.billing.models import Invoice
from kabinet.core.public_ids import new_public_id
from kabinet.core.sequences import reserve_block
from kabinet.crm.models import Contact, Membership, Order, Pipeline, Stage, TimelineEntry
from kabinet.demo.data import TICKET_STAGES
from kabinet.documents.models import Document
from kabinet.files.models import ClientFile
from kabinet.messaging.models import Conversation, Message
from kabinet.notifications.models import Notification
from kabinet.tickets.models import Ticket, TicketCC, TicketMessage


@dataclass(frozen=True)
class ActivityResult:
    tickets: int
    messages: int
    notifications: int
    files: int


@dataclass(frozen=True)
class Amounts:
    """How many rows of each kind one client gets."""

    tickets: int = 2
    messages: int = 6
    notifications: int = 3
    files: int = 2
    # every n-th ticket open and notice unread (0: stages at random, one notice in three unread)
    open_every: int = 0


def _ticket_pipeline() -> tuple[Pipeline, list[Stage]]:
    pipeline = Pipeline.objects.filter(kind=Pipeline.Kind.TICKET).order_by("-is_default", "id").first()
    if pipeline is None:
        from kabinet.crm.actions import create_pipeline

        pipeline = create_pipeline(
            actor=None, name="Поддержка", kind=Pipeline.Kind.TICKET, stages=TICKET_STAGES, is_default=True
        )
    return pipeline, list(pipeline.stages.order_by("position"))


def _rows_for(
    contacts: Iterable[tuple[int, int | None, int | None]],
    amounts: Amounts,
    rng: random.Random,
    pipeline: tuple[Pipeline, list[Stage]],
) -> dict[str, int]:
    """Insert every kind of activity for ``contacts`` (contact id, company id, user id) in one transaction."""
    contacts = list(contacts)
    pipe, stages = pipeline
    open_stages = [stage for stage in stages if stage.is_open]
    closed_stage = next(stage for stage in stages if not stage.is_open)
    now = timezone.now()
    ticket_no = reserve_block("ticket", len(contacts) * amounts.tickets)
    tickets, conversations, notices, files = [], [], [], []
    for contact_id, company_id, _user_id in contacts:
        for i in range(amounts.tickets):
            if amounts.open_every:
                stage = rng.choice(open_stages) if i % amounts.open_every == 0 else closed_stage
            else:
                stage = rng.choice(stages)
            at = now - datetime.timedelta(minutes=rng.randint(0, 60 * 24 * 300))
            tickets.append(
                Ticket(
                    public_id=new_public_id(),
                    number=f"{ticket_no:07d}",
                    subject=f"Вопрос {ticket_no} о заказе",
                    company_id=company_id,
                    contact_id=contact_id,
                    pipeline_id=pipe.pk,
                    stage_id=stage.pk,
                    last_activity_at=at,
                    awaiting_agent=i % 2 == 0,
                    closed_at=None if stage.is_open else at,
                )
            )
            ticket_no += 1
        if amounts.messages:
            conversations.append(
                Conversation(
                    public_id=new_public_id(),
                    contact_id=contact_id,
                    company_id=company_id,
                    last_message_at=now,
                    last_message_preview="Спасибо, ждём документы.",
                    client_unread=1,
                )
            )
        for i in range(amounts.notifications):
            notices.append(
                Notification(
                    public_id=new_public_id(),
                    contact_id=contact_id,
                    company_id=company_id,
                    event="invoice.issued",
                    params={"number": f"СЧ-{contact_id}-{i}"},
                    url="/invoices/",
                    last_at=now - datetime.timedelta(minutes=i),
                    read_at=None if i % (amounts.open_every or 3) == 0 else now,
                )
            )
        for i in range(amounts.files):
            public_id = new_public_id()
            files.append(
                ClientFile(
                    public_id=public_id,
                    company_id=company_id,
                    contact_id=contact_id,
                    direction=ClientFile.Direction.TO_CLIENT if i % 2 else ClientFile.Direction.FROM_CLIENT,
                    file=f"client-files/{public_id[:2]}/{public_id}",
                    original_name=f"файл-{contact_id}-{i + 1}.pdf",
                    content_type="application/pdf",
                    size=rng.randint(10_000, 2_000_000),
                )
            )
    Ticket.objects.bulk_create(tickets, batch_size=2000)
    ticket_ids = dict(
        Ticket.objects.filter(public_id__in=[t.public_id for t in tickets]).values_list("public_id", "id")
    )
    TicketMessage.objects.bulk_create(
        [
            TicketMessage(
                public_id=new_public_id(),
                ticket_id=ticket_ids[t.public_id],
                author_contact_id=t.contact_id,
                body=f"Здравствуйте! {t.subject}: когда будет готово?",
            )
            for t in tickets
        ],
        batch_size=2000,
    )
    Conversation.objects.bulk_create(conversations, batch_size=2000)
    conversation_ids = dict(
        Conversation.objects.filter(public_id__in=[c.public_id for c in conversations]).values_list(
            "contact_id", "id"
        )
    )
    users = {contact_id: user_id for contact_id, _company, user_id in contacts}
    messages = []
    for contact_id, conversation_id in conversation_ids.items():
        for i in range(amounts.messages):
            from_staff = i % 2 == 1
            messages.append(
                Message(
                    public_id=new_public_id(),
                    conversation_id=conversation_id,
                    author_id=None if from_staff else users.get(contact_id),
                    from_staff=from_staff,
                    body=f"Сообщение {i + 1}: "
                    + ("спасибо, ждём документы." if from_staff else "когда готово?"),
                )
            )
    Message.objects.bulk_create(messages, batch_size=2000)
    Notification.objects.bulk_create(notices, batch_size=2000)
    ClientFile.objects.bulk_create(files, batch_size=2000)
    return {
        "tickets": len(tickets),
        "messages": len(messages),
        "notifications": len(notices),
        "files": len(files),
    }


def seed_activity(
    *,
    after_contact_id: int,
    amounts: Amounts = Amounts(),  # noqa: B008 - a frozen dataclass, never mutated
    batch_contacts: int = 2000,
    rng_seed: int = 3,
    progress: Callable[[int], None] | None = None,
) -> ActivityResult:
    """Give every contact with ``id > after_contact_id`` tickets (each with its first message), a chat
    conversation with ``amounts.messages`` messages, notifications and files."""
    rng = random.Random(rng_seed)
    pipeline = _ticket_pipeline()
    made = {"tickets": 0, "messages": 0, "notifications": 0, "files": 0}
    last, done = after_contact_id, 0
    while True:
        rows = list(
            Contact.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "user_id")[:batch_contacts]
        )
        if not rows:
            break
        last = rows[-1][0]
        company_of = dict(
            Membership.objects.filter(contact_id__in=[r[0] for r in rows]).values_list(
                "contact_id", "company_id"
            )
        )
        with transaction.atomic():
            counts = _rows_for([(pk, company_of.get(pk), user) for pk, user in rows], amounts, rng, pipeline)
        for key, value in counts.items():
            made[key] += value
        done += len(rows)
        if progress:
            progress(done)
    return ActivityResult(**made)


def heavy_contacts(*, after_contact_id: int, count: int) -> list[int]:
    """The heavy clients: the first member (not admin) of each of the first ``count`` companies seeded."""
    members = (
        Membership.objects.filter(contact_id__gt=after_contact_id, role=Membership.Role.MEMBER)
        .order_by("company_id", "contact_id")
        .values_list("company_id", "contact_id")
    )
    chosen: dict[int, int] = {}
    for company_id, contact_id in members.iterator():
        chosen.setdefault(company_id, contact_id)
        if len(chosen) == count:
            break
    return list(chosen.values())


@transaction.atomic
def make_heavy(*, contact_ids: list[int], size: int, rng_seed: int = 4) -> int:
    """``size`` more of everything for each contact: orders (with a history entry each), documents, invoices,
    tickets, chat messages, notifications and files; and ``size // 100`` tickets of his company admin with him
    in CC. Returns the rows added."""
    rng = random.Random(rng_seed)
    company_of = dict(
        Membership.objects.filter(contact_id__in=contact_ids).values_list("contact_id", "company_id")
    )
    users = dict(Contact.objects.filter(pk__in=contact_ids).values_list("pk", "user_id"))
    order_pipeline = Pipeline.objects.filter(kind=Pipeline.Kind.ORDER).order_by("-is_default", "id").first()
    order_stages = list(order_pipeline.stages.order_by("position"))
    open_stages = [stage for stage in order_stages if stage.is_open]
    closed_stage = next(stage for stage in order_stages if stage.kind == Stage.Kind.WON)
    order_type = ContentType.objects.get_for_model(Order)
    today, now = timezone.localdate(), timezone.now()
    added = 0
    for contact_id in contact_ids:
        company_id = company_of.get(contact_id)
        first = reserve_block("order", size)
        orders = [
            Order(
                public_id=new_public_id(),
                number=f"{first + i:07d}",
                title=f"Заказ {first + i}",
                company_id=company_id,
                contact_id=contact_id,
                pipeline_id=order_pipeline.pk,
                # a long history: most of it finished, one in a hundred still open or unpaid
                stage_id=(stage := (rng.choice(open_stages) if i % 100 == 0 else closed_stage)).pk,
                amount=Decimal(rng.randint(1_000, 500_000)),
                currency="RUB",
                stage_changed_at=now,
                closed_at=None if stage.is_open else now,
            )
            for i in range(size)
        ]
        Order.objects.bulk_create(orders, batch_size=2000)
        invoice_no = reserve_block("invoice", size)
        Document.objects.bulk_create(
            [
                Document(
                    public_id=new_public_id(),
                    company_id=company_id,
                    contact_id=contact_id,
                    kind=Document.Kind.ACT,
                    title=f"Акт {contact_id}-{i + 1}",
                    number=f"H{contact_id}/{i + 1}",
                    date=today - datetime.timedelta(days=rng.randint(0, 300)),
                    status=Document.Status.ISSUED,
                )
                for i in range(size)
            ],
            batch_size=2000,
        )
        Invoice.objects.bulk_create(
            [
                Invoice(
                    public_id=new_public_id(),
                    number=f"СЧ-{invoice_no + i:07d}",
                    company_id=company_id,
                    contact_id=contact_id,
                    amount=(amount := Decimal(rng.randint(1_000, 200_000))),
                    paid_amount=amount if i % 100 else Decimal("0"),
                    currency="RUB",
                    issued_on=today - datetime.timedelta(days=rng.randint(0, 60)),
                    due_date=today + datetime.timedelta(days=rng.randint(-10, 20)),
                    status=Invoice.Status.PAID if i % 100 else Invoice.Status.UNPAID,
                )
                for i in range(size)
            ],
            batch_size=2000,
        )
        TimelineEntry.objects.bulk_create(
            [
                TimelineEntry(
                    public_id=new_public_id(),
                    company_id=company_id,
                    contact_id=contact_id,
                    kind="order",
                    event="order.created",
                    subject_type=order_type,
                    subject_id=order.pk,
                    subject_public_id=order.public_id,
                    data={"number": order.number, "title": order.title},
                )
                for order in Order.objects.filter(public_id__in=[o.public_id for o in orders]).only(
                    "pk", "public_id", "number", "title"
                )
            ],
            batch_size=2000,
        )
        existing = Conversation.objects.filter(contact_id=contact_id, company_id=company_id).first()
        amounts = Amounts(
            tickets=size, messages=0 if existing else size, notifications=size, files=size, open_every=100
        )
        counts = _rows_for(
            [(contact_id, company_id, users.get(contact_id))], amounts, rng, _ticket_pipeline()
        )
        if existing is not None:
            Message.objects.bulk_create(
                [
                    Message(
                        public_id=new_public_id(),
                        conversation_id=existing.pk,
                        author_id=None if i % 2 else users.get(contact_id),
                        from_staff=i % 2 == 1,
                        body=f"Сообщение {i + 1}",
                    )
                    for i in range(size)
                ],
                batch_size=2000,
            )
        admin = (
            Membership.objects.filter(company_id=company_id, role=Membership.Role.ADMIN)
            .values_list("contact_id", flat=True)
            .first()
        )
        if admin is not None and size >= 100:
            before = set(Ticket.objects.filter(contact_id=admin).values_list("pk", flat=True))
            _rows_for(
                [(admin, company_id, None)],
                Amounts(tickets=size // 100, messages=0, notifications=0, files=0),
                rng,
                _ticket_pipeline(),
            )
            copied = (
                Ticket.objects.filter(contact_id=admin).exclude(pk__in=before).values_list("pk", flat=True)
            )
            TicketCC.objects.bulk_create([TicketCC(ticket_id=pk, contact_id=contact_id) for pk in copied])
        added += 5 * size + sum(counts.values())
    return added
