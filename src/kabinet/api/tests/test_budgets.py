"""Every API endpoint costs a fixed number of queries, whatever the amount of data.

Each endpoint (lists, details and writes) is measured with the few rows of the test world and again after
bulk-loading 10,000 more rows into every table it reads (orders, items, invoices, documents, tickets and
their messages, chat messages, history, contacts, companies, memberships, stages); the counts must be equal
and within the budget. The rows are copies of the world's own, written with ``bulk_create`` in a few
statements, so loading them takes seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kabinet.api.actions import issue_api_key
from kabinet.api.models import RESOURCES, WRITE
from kabinet.core.public_ids import new_public_id
from kabinet.crm.models import Company, Contact, Membership, Order, OrderItem, Stage, TimelineEntry
from kabinet.documents.models import Document
from kabinet.signing.actions import request_signature
from kabinet.signing.models import SignatureRequest
from kabinet.testing import factories as f
from kabinet.testing.matrix import World
from kabinet.tickets.conf import forget_ticket_settings, ticket_settings
from kabinet.tickets.models import TicketMessage

pytestmark = pytest.mark.django_db

MANY = 10_000
# authentication (key lookup + last-used update) + rate-limit cache (no SQL) + the page (+1 per expand)
BUDGETS = {
    "/api/v1/orders": 3,
    "/api/v1/orders?expand=items": 4,
    "/api/v1/orders/{order}": 4,
    "/api/v1/invoices": 3,
    "/api/v1/invoices/{invoice}": 3,
    "/api/v1/documents": 3,
    "/api/v1/documents/{document}": 3,
    "/api/v1/tickets": 3,
    "/api/v1/tickets/{ticket}": 3,
    "/api/v1/tickets/{ticket}/messages": 4,
    "/api/v1/messages": 3,
    "/api/v1/timeline": 3,
    "/api/v1/contacts": 3,
    "/api/v1/companies": 3,
    "/api/v1/pipelines": 4,  # pipelines + their stages
    "/api/v1/contacts/{contact}": 5,  # + his emails and phones
    "/api/v1/companies/{company}": 3,
    "/api/v1/timeline?contact={contact}&company={company}": 5,  # + the two ids of the filter
    "/api/v1/files": 3,
    "/api/v1/files?company={company}": 4,
    "/api/v1/files/{file}": 3,
    "/api/v1/files/{file}/download": 3,
    "/api/v1/signatures": 5,  # + signers and evidence
    "/api/v1/documents/{signed}/signature": 5,
}
CLIENT_BUDGETS = {
    "/api/v1/me/orders": 4,  # + the viewer (the client's contact and companies)
    "/api/v1/me/orders?expand=items": 5,
    "/api/v1/me/orders/{order}": 5,
    "/api/v1/me/invoices": 4,
    "/api/v1/me/invoices/{invoice}": 4,
    "/api/v1/me/documents": 4,
    "/api/v1/me/documents/{document}": 4,
    "/api/v1/me/tickets": 4,  # the portal's ticket settings come from the cache
    "/api/v1/me/tickets/{ticket}": 4,
    "/api/v1/me/tickets/{ticket}/messages": 5,
    "/api/v1/me/messages": 4,
    "/api/v1/me/timeline": 4,
    "/api/v1/me/profile": 6,  # + the contact, his emails and phones
}


def _clones(template: Model, count: int, **varying: Callable[[int], Any]) -> None:
    """``count`` copies of ``template`` (new public ids, ``varying`` fields per copy) in one bulk insert."""
    values = {
        field.attname: getattr(template, field.attname)
        for field in template._meta.concrete_fields
        if not field.primary_key and field.attname not in ("public_id", "created_at", "updated_at", *varying)
    }
    model = type(template)
    extra = (lambda: {"public_id": new_public_id()}) if hasattr(template, "public_id") else dict
    model.objects.bulk_create(
        (model(**values, **extra(), **{k: v(i) for k, v in varying.items()}) for i in range(count)),
        batch_size=2000,
    )


def _load(world: World) -> None:
    """10,000 more rows in every table an endpoint reads, half of them in the world's company."""
    contact = world.order.contact
    _clones(world.order, MANY, number=lambda i: f"B{i:06d}")
    first, last = Order.objects.order_by("id").values_list("id", flat=True)[:: MANY - 1][:2]
    OrderItem.objects.bulk_create(
        (OrderItem(order_id=pk, name="item", price=Decimal("1")) for pk in range(first, last + 1)),
        batch_size=2000,
    )
    _clones(world.invoice, MANY, number=lambda i: f"BI{i:06d}")
    _clones(world.document, MANY, title=lambda i: f"Акт {i}")
    _clones(world.ticket, MANY, number=lambda i: f"BT{i:06d}")
    thread = TicketMessage(ticket=world.ticket, author_contact=contact, body="Вопрос")
    _clones(thread, MANY)
    _clones(world.extra["message"], MANY, body=lambda i: f"Сообщение {i}")
    entry = TimelineEntry(kind="order", event="order.created", company=world.company, contact=contact)
    _clones(entry, MANY, data=lambda i: {"number": str(i), "title": "bulk"})
    _clones(world.file, MANY, original_name=lambda i: f"акт-{i}.pdf")
    asked = SignatureRequest.objects.get(document=world.extra["signed"])
    documents = list(Document.objects.filter(title__startswith="Акт ").values_list("pk", flat=True))
    _clones(asked, len(documents), document_id=documents.__getitem__, signature_id=lambda i: f"BULK{i:016d}")
    bulk = SignatureRequest.objects.filter(signature_id__startswith="BULK")
    requests = list(bulk.values_list("pk", flat=True))
    _clones(asked.signers.get(), len(requests), request_id=requests.__getitem__)
    admin = world.users["company_admin"].contact
    _clones(f.NotificationFactory(contact=admin, company=world.company), MANY)
    _clones(Contact(first_name="Клиент"), MANY, last_name=lambda i: f"№{i}")
    _clones(Company(name="Компания"), MANY, name=lambda i: f"Компания {i}")
    people = list(Contact.objects.filter(first_name="Клиент").values_list("pk", flat=True))
    Membership.objects.bulk_create(
        (Membership(contact_id=pk, company=world.company) for pk in people), batch_size=2000
    )
    pipelines = [f.PipelineFactory(name=f"Воронка {n}") for n in range(100)]
    Stage.objects.bulk_create(
        (
            Stage(pipeline=p, name=f"Этап {i}", client_name=f"Этап {i}", position=i)
            for p in pipelines
            for i in range(MANY // len(pipelines))
        ),
        batch_size=2000,
    )
    assert Order.objects.count() > MANY and Stage.objects.count() > MANY


def _paths(world: World, budgets: dict[str, int]) -> dict[str, str]:
    ids = {
        "order": world.order.public_id,
        "invoice": world.invoice.public_id,
        "document": world.document.public_id,
        "ticket": world.ticket.public_id,
        "contact": world.order.contact.public_id,
        "company": world.company.public_id,
        "file": world.file.public_id,
        "signed": world.extra["signed"].public_id,
    }
    return {template: template.format(**ids) for template in budgets}


def _count(client: Client, path: str, headers: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(path, {"limit": 100}, headers=headers)
    assert answer.status_code == 200, (path, answer.content)
    return len(queries)


def _key(world: World, **kwargs: Any) -> dict[str, str]:
    issued = issue_api_key(
        actor=world.users["staff"], name="budget", scopes=dict.fromkeys(RESOURCES, WRITE), **kwargs
    )
    return {"Authorization": f"Bearer {issued.key}"}


# --- Writes ------------------------------------------------------------------------------------------------
@dataclass
class Request:
    method: str
    path: str
    body: dict
    headers: dict = field(default_factory=dict)
    multipart: bool = False


Prepare = Callable[[Client, dict, World], Request]


def _ids(world: World) -> dict[str, str]:
    return {
        "order": world.order.public_id,
        "invoice": world.invoice.public_id,
        "ticket": world.ticket.public_id,
        "contact": world.order.contact.public_id,
        "company": world.company.public_id,
        "other_company": world.other_company.public_id,
    }


def _plain(method: str, path: str, body: dict | None = None) -> Prepare:
    def prepare(client: Client, headers: dict, world: World) -> Request:
        ids = _ids(world)
        filled = {k: v.format(**ids) if isinstance(v, str) else v for k, v in (body or {}).items()}
        return Request(method, path.format(**ids), filled)

    return prepare


def _matched(method: str, path: str, body: Callable[[World], dict]) -> Prepare:
    """A write that needs ``If-Match``: the ETag is read first, outside the measured queries."""

    def prepare(client: Client, headers: dict, world: World) -> Request:
        url = path.format(**_ids(world))
        etag = client.get(url.removesuffix("/items").removesuffix("/stage"), headers=headers)["ETag"]
        return Request(method, url, body(world), {"If-Match": etag})

    return prepare


def _void(client: Client, headers: dict, world: World) -> Request:
    invoice = f.InvoiceFactory(company=world.company)  # a fresh one each time: voiding twice is a no-op
    url = f"/api/v1/invoices/{invoice.public_id}"
    return Request("post", f"{url}/void", {}, {"If-Match": client.get(url, headers=headers)["ETag"]})


def _document(client: Client, headers: dict, world: World) -> Request:
    upload = SimpleUploadedFile("act.pdf", b"%PDF-1.4\n%budget\n", content_type="application/pdf")
    body = {"title": "Акт", "company": world.company.public_id, "file": upload}
    return Request("post", "/api/v1/documents", body, multipart=True)


def _upload(client: Client, headers: dict, world: World) -> Request:
    upload = SimpleUploadedFile("act.pdf", b"%PDF-1.4\n%budget\n", content_type="application/pdf")
    body = {"company": world.company.public_id, "file": upload}
    return Request("post", "/api/v1/files", body, multipart=True)


def _signature(client: Client, headers: dict, world: World) -> Request:
    document = f.DocumentFactory(company=world.company, file=world.file)  # a fresh one: one request each
    return Request("post", f"/api/v1/documents/{document.public_id}/signature", {"any_company_admin": True})


def _client_message(client: Client, headers: dict, world: World) -> Request:
    upload = SimpleUploadedFile("photo.pdf", b"%PDF-1.4\n%budget\n", content_type="application/pdf")
    return Request("post", "/api/v1/me/messages", {"body": "Вот", "attachments": [upload]}, multipart=True)


def _decision(client: Client, headers: dict, world: World) -> Request:
    accepted = f.StageFactory(pipeline=world.order.pipeline, name="Согласовано")
    offer = f.StageFactory(pipeline=world.order.pipeline, asks_client=True, confirm_stage=accepted)
    order = f.OrderFactory(company=world.company, pipeline=world.order.pipeline, stage=offer)
    return Request("post", f"/api/v1/me/orders/{order.public_id}/decision", {"decision": "confirm"})


def _notice_read(client: Client, headers: dict, world: World) -> Request:
    notice = f.NotificationFactory(contact=world.users["company_admin"].contact, company=world.company)
    return Request("post", "/api/v1/me/notifications/read", {"notifications": [notice.public_id]})


def _other_stage(world: World) -> dict:
    world.order.refresh_from_db()
    stages = Stage.objects.filter(pipeline_id=world.order.pipeline_id).exclude(pk=world.order.stage_id)
    return {"stage": stages.values_list("pk", flat=True).first()}


MEMBERSHIPS = "/api/v1/contacts/{contact}/memberships"
# A write costs its action's queries (validation, the row, history, audit, the outbox and its endpoints, a
# notice) + authentication; what it costs must not grow with the data.
WRITES: dict[str, tuple[Prepare, int]] = {
    "POST /contacts": (_plain("post", "/api/v1/contacts", {"first_name": "Пётр"}), 11),
    "POST /contacts/{id}/memberships": (_plain("post", MEMBERSHIPS, {"company": "{other_company}"}), 15),
    "DELETE /contacts/{id}/memberships/{company}": (_plain("delete", MEMBERSHIPS + "/{other_company}"), 9),
    "POST /orders": (
        _plain(
            "post",
            "/api/v1/orders",
            {"title": "Заказ", "company": "{company}", "items": [{"name": "Монтаж"}]},
        ),
        27,
    ),
    "POST /orders/{id}/stage": (_matched("post", "/api/v1/orders/{order}/stage", _other_stage), 13),
    "POST /orders/{id}/items": (
        _matched("post", "/api/v1/orders/{order}/items", lambda w: {"name": "Доставка"}),
        16,
    ),
    "POST /invoices": (_plain("post", "/api/v1/invoices", {"amount": "100.00", "company": "{company}"}), 25),
    "PATCH /invoices/{id}": (
        _matched("patch", "/api/v1/invoices/{invoice}", lambda w: {"due_date": "2031-01-01"}),
        18,
    ),
    "POST /invoices/{id}/void": (_void, 19),
    "POST /documents": (_document, 32),
    "POST /messages": (
        _plain(
            "post", "/api/v1/messages", {"contact": "{contact}", "company": "{company}", "body": "Готово"}
        ),
        27,  # the attachments are read inside the transaction, so the answer needs no query after commit
    ),
    "POST /companies": (_plain("post", "/api/v1/companies", {"name": "ООО Новая", "inn": "7707083893"}), 9),
    "PATCH /companies/{id}": (
        _matched("patch", "/api/v1/companies/{company}", lambda w: {"postal_address": "а/я 1"}),
        13,
    ),
    "PATCH /contacts/{id}": (
        _matched("patch", "/api/v1/contacts/{contact}", lambda w: {"position": "Инженер"}),
        26,
    ),
    "POST /tickets": (
        _plain("post", "/api/v1/tickets", {"subject": "Вопрос", "body": "Текст", "contact": "{contact}"}),
        27,
    ),
    "POST /timeline": (
        _plain(
            "post", "/api/v1/timeline", {"text": "Звонок", "contact": "{contact}", "company": "{company}"}
        ),
        11,
    ),
    "POST /files": (_upload, 13),
    "POST /documents/{id}/signature": (_signature, 24),
    "POST /tickets/{id}/messages": (
        _plain("post", "/api/v1/tickets/{ticket}/messages", {"body": "Ответ"}),
        18,  # PostgreSQL: 18, SQLite: 16
    ),
}


# The client's writes, with a company admin's personal token.
CLIENT_WRITES: dict[str, tuple[Prepare, int]] = {
    "POST /me/tickets": (_plain("post", "/api/v1/me/tickets", {"subject": "Вопрос", "body": "Текст"}), 31),
    "POST /me/messages": (_client_message, 26),
    "PATCH /me/profile": (_matched("patch", "/api/v1/me/profile", lambda w: {"position": "Инженер"}), 28),
    "POST /me/orders/{id}/decision": (_decision, 22),
    "POST /me/notifications/read": (_notice_read, 8),
}


def _measure(client: Client, headers: dict, world: World, prepare: Prepare) -> int:
    request = prepare(client, headers, world)
    extra: dict[str, Any] = {"headers": {**headers, **request.headers}}
    if not request.multipart:
        extra["content_type"] = "application/json"
    with CaptureQueriesContext(connection) as queries:
        answer = getattr(client, request.method)(request.path, request.body, **extra)
    assert answer.status_code < 300, (request.path, answer.content)
    return len(queries)


def _everything(client: Client, world: World, keys: dict[str, dict]) -> dict[str, int]:
    """The query count of every endpoint: integrator reads, client reads, integrator writes."""
    # The tickets' portal settings are cached for 5 minutes, and loading 10k rows can take longer on a busy
    # machine: read them afresh first, so no measured request finds them expired (no timing in the count).
    forget_ticket_settings()
    ticket_settings()
    counts = {p: _count(client, path, keys["integrator"]) for p, path in _paths(world, BUDGETS).items()}
    counts |= {p: _count(client, path, keys["client"]) for p, path in _paths(world, CLIENT_BUDGETS).items()}
    counts |= {name: _measure(client, keys["integrator"], world, prep) for name, (prep, _) in WRITES.items()}
    counts |= {
        name: _measure(client, keys["client"], world, prep) for name, (prep, _) in CLIENT_WRITES.items()
    }
    return counts


def test_every_endpoint_holds_its_budget_at_10k_rows(world):
    """One load of 10,000 rows per table (the slow part, ~30 s on a busy machine) serves every endpoint."""
    client = Client()
    keys = {"integrator": _key(world), "client": _key(world, user=world.users["company_admin"])}
    f.StageFactory(pipeline=world.order.pipeline, name="Второй этап")  # somewhere to move the order to
    world.extra["signed"] = f.DocumentFactory(company=world.company, file=world.file)
    request_signature(actor=world.users["staff"], document=world.extra["signed"], any_company_admin=True)
    _everything(client, world, keys)  # settings read once and cached (the ticket portal settings) are warm
    few = _everything(client, world, keys)
    _load(world)
    many = _everything(client, world, keys)
    assert many == few
    writes = {**WRITES, **CLIENT_WRITES}
    budgets = {**BUDGETS, **CLIENT_BUDGETS, **{name: budget for name, (_, budget) in writes.items()}}
    assert {name: n for name, n in many.items() if n > budgets[name]} == {}, many
