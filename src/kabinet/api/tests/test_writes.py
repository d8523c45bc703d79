"""The integrator's writes: memberships, order items, invoices, documents with a file, chat, pipelines.

Each goes through the domain's action (history, audit, outbox), answers problem+json on bad input and, for
updates, needs the ETag it read (``If-Match``).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kabinet.api.actions import issue_api_key
from kabinet.billing.models import Invoice
from kabinet.core.models import AuditEntry
from kabinet.crm.models import Membership, TimelineEntry
from kabinet.documents.models import Document
from kabinet.files.models import ClientFile
from kabinet.messaging.models import Message
from kabinet.testing import factories as f
from kabinet.webhooks.models import OutboxEvent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%kabinet api\n"


def _get(path, headers, **params):
    return Client().get(path, params, headers=headers)


def _send(method, path, headers, body=None, **extra):
    return getattr(Client(), method)(
        path, body or {}, content_type="application/json", headers={**headers, **extra}
    )


def _upload(path, headers, fields, file: SimpleUploadedFile, **extra):
    # English answers, so the tests can read the messages
    return Client().post(
        path, {**fields, "file": file}, headers={"Accept-Language": "en", **headers, **extra}
    )


# --- Memberships -------------------------------------------------------------------------------------------
def test_a_contact_joins_a_company_changes_role_and_leaves(auth):
    contact, company = f.ContactFactory(), f.CompanyFactory()
    path = f"/api/v1/contacts/{contact.public_id}/memberships"
    joined = _send("post", path, auth, {"company": company.public_id})
    assert joined.status_code == 201, joined.content
    assert joined.json() | {"created_at": None} == {
        "object": "membership",
        "contact": contact.public_id,
        "company": company.public_id,
        "role": "member",
        "created_at": None,
    }
    promoted = _send("post", path, auth, {"company": company.public_id, "role": "admin"})
    assert promoted.json()["role"] == "admin"
    assert Membership.objects.get(contact=contact, company=company).role == "admin"
    gone = Client().delete(f"{path}/{company.public_id}", headers=auth)
    assert gone.status_code == 204
    assert not Membership.objects.filter(contact=contact).exists()
    assert Client().delete(f"{path}/{company.public_id}", headers=auth).status_code == 404
    events = list(AuditEntry.objects.filter(event__startswith="membership.").values_list("event", flat=True))
    assert sorted(events) == ["membership.created", "membership.removed", "membership.role_changed"]
    assert TimelineEntry.objects.filter(event="colleague.removed", company=company).count() == 1


def test_membership_input_errors_are_field_errors(auth):
    contact = f.ContactFactory()
    path = f"/api/v1/contacts/{contact.public_id}/memberships"
    unknown = _send("post", path, auth, {"company": "x" * 22})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "company"
    role = _send("post", path, auth, {"company": f.CompanyFactory().public_id, "role": "owner"})
    assert role.status_code == 422 and role["Content-Type"] == "application/problem+json"
    assert _send("post", "/api/v1/contacts/nobody/memberships", auth, {"company": "x"}).status_code == 404


# --- Order items -------------------------------------------------------------------------------------------
def test_an_item_is_added_with_the_orders_etag_and_the_amount_follows(auth):
    order = f.OrderFactory(amount="0")
    path = f"/api/v1/orders/{order.public_id}/items"
    item = {"name": "Монтаж", "quantity": "2", "price": "1500.50"}
    assert _send("post", path, auth, item).status_code == 428
    etag = _get(f"/api/v1/orders/{order.public_id}", auth)["ETag"]
    added = _send("post", path, auth, item, **{"If-Match": etag})
    assert added.status_code == 201, added.content
    assert added.json()["amount"] == "3001.00"
    assert [i["name"] for i in added.json()["items"]] == ["Монтаж"]
    assert added["ETag"] != etag
    stale = _send("post", path, auth, {**item, "name": "Ещё"}, **{"If-Match": etag})
    assert stale.status_code == 412
    second = _send("post", path, auth, {"name": "Выезд", "price": "500"}, **{"If-Match": added["ETag"]})
    assert [i["name"] for i in second.json()["items"]] == ["Монтаж", "Выезд"]
    assert second.json()["amount"] == "3501.00"
    assert TimelineEntry.objects.filter(event="order.updated", subject_public_id=order.public_id).count() == 2


def test_an_item_retried_with_its_idempotency_key_is_added_once(auth):
    order = f.OrderFactory()
    path = f"/api/v1/orders/{order.public_id}/items"
    etag = _get(f"/api/v1/orders/{order.public_id}", auth)["ETag"]
    headers = {"If-Match": etag, "Idempotency-Key": "item-1"}
    first = _send("post", path, auth, {"name": "Монтаж"}, **headers)
    again = _send("post", path, auth, {"name": "Монтаж"}, **headers)  # the old ETag: a replay, not a 412
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and order.items.count() == 1


# --- Invoices ----------------------------------------------------------------------------------------------
def test_an_invoice_is_issued_updated_and_voided(world, auth):
    issued = _send(
        "post",
        "/api/v1/invoices",
        auth,
        {
            "amount": "12500.00",
            "company": world.company.public_id,
            "contact": world.order.contact.public_id,
            "order": world.order.public_id,
            "due_date": "2030-01-31",
        },
    )
    assert issued.status_code == 201, issued.content
    body = issued.json()
    assert (body["amount"], body["status"], body["order"]) == ("12500.00", "unpaid", world.order.public_id)
    path = f"/api/v1/invoices/{body['id']}"
    assert OutboxEvent.objects.filter(type="invoice.issued", payload__id=body["id"]).exists()

    assert _send("patch", path, auth, {"amount": "13000"}).status_code == 428
    etag = _get(path, auth)["ETag"]
    assert etag == issued["ETag"]
    updated = _send("patch", path, auth, {"amount": "13000", "due_date": None}, **{"If-Match": etag})
    assert updated.status_code == 200, updated.content
    assert (updated.json()["amount"], updated.json()["due_date"]) == ("13000.00", None)
    assert _send("patch", path, auth, {"amount": "1"}, **{"If-Match": etag}).status_code == 412
    empty = _send("patch", path, auth, {"amount": None}, **{"If-Match": updated["ETag"]})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "amount"

    voided = _send("post", f"{path}/void", auth, **{"If-Match": updated["ETag"]})
    assert voided.status_code == 200 and voided.json()["status"] == "cancelled"
    final = _send("patch", path, auth, {"amount": "1"}, **{"If-Match": voided["ETag"]})
    assert final.status_code == 422 and final["Content-Type"] == "application/problem+json"
    assert TimelineEntry.objects.filter(event="invoice.status_changed", subject_public_id=body["id"]).exists()


def test_a_paid_invoice_reports_paid_and_cannot_be_voided(auth):
    invoice = f.InvoiceFactory(amount=Decimal("100"))
    path = f"/api/v1/invoices/{invoice.public_id}"
    etag = _get(path, auth)["ETag"]
    paid = _send("patch", path, auth, {"paid_amount": "100", "status": "paid"}, **{"If-Match": etag})
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    assert OutboxEvent.objects.filter(type="invoice.paid", payload__id=invoice.public_id).exists()
    refused = _send("post", f"{path}/void", auth, **{"If-Match": paid["ETag"]})
    assert refused.status_code == 422
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_invoice_amounts_must_be_decimal_strings(auth):
    answer = _send("post", "/api/v1/invoices", auth, {"amount": "12,5"})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "amount"


# --- Documents with a file ---------------------------------------------------------------------------------
def test_a_document_is_published_with_its_file(world, auth):
    answer = _upload(
        "/api/v1/documents",
        auth,
        {
            "title": "Договор поставки",
            "kind": "contract",
            "status": "awaiting_signature",
            "company": world.company.public_id,
            "contact": world.order.contact.public_id,
            "number": "Д-17",
        },
        SimpleUploadedFile("contract.pdf", PDF, content_type="application/pdf"),
        **{"Idempotency-Key": "doc-1"},
    )
    assert answer.status_code == 201, answer.content
    document = Document.objects.get(public_id=answer.json()["id"])
    assert (document.status, document.number) == ("awaiting_signature", "Д-17")
    assert (
        document.file.content_type == "application/pdf"
        and document.file.subject_public_id == document.public_id
    )
    with document.file.file.open("rb") as stored:
        assert stored.read() == PDF
    assert OutboxEvent.objects.filter(type="document.published", payload__id=document.public_id).exists()
    again = _upload(
        "/api/v1/documents",
        auth,
        {
            "title": "Договор поставки",
            "kind": "contract",
            "status": "awaiting_signature",
            "company": world.company.public_id,
            "contact": world.order.contact.public_id,
            "number": "Д-17",
        },
        SimpleUploadedFile("contract.pdf", PDF, content_type="application/pdf"),
        **{"Idempotency-Key": "doc-1"},
    )
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Document.objects.filter(number="Д-17").count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("contract.pdf", b"MZ\x90\x00 not a document", "not accepted"),
        ("photo.png", PDF, "does not match"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_a_bad_file_is_a_field_error_and_leaves_nothing_behind(auth, name, content, message):
    answer = _upload("/api/v1/documents", auth, {"title": "Акт"}, SimpleUploadedFile(name, content))
    assert answer.status_code == 422 and answer["Content-Type"] == "application/problem+json"
    errors = answer.json()["errors"]
    assert errors[0]["field"] == "file" and message in errors[0]["message"], errors
    assert not Document.objects.exists() and not ClientFile.objects.exists()


def test_a_file_over_the_limit_is_refused(settings, auth):
    settings.KABINET_MAX_UPLOAD_BYTES = 10
    answer = _upload("/api/v1/documents", auth, {"title": "Акт"}, SimpleUploadedFile("a.pdf", PDF))
    assert answer.status_code == 422 and "too large" in answer.json()["errors"][0]["message"]


def test_a_document_without_a_file_or_title_is_a_field_error(auth):
    missing = Client().post("/api/v1/documents", {"title": "Акт"}, headers=auth)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "file"
    untitled = _upload("/api/v1/documents", auth, {}, SimpleUploadedFile("a.pdf", PDF))
    assert untitled.status_code == 422 and untitled.json()["errors"][0]["field"] == "title"
    assert not ClientFile.objects.exists()


# --- Chat --------------------------------------------------------------------------------------------------
def test_staff_write_into_a_contacts_conversation_and_he_reads_it(world, auth):
    contact = world.order.contact
    sent = _send(
        "post",
        "/api/v1/messages",
        auth,
        {"contact": contact.public_id, "company": world.company.public_id, "body": "Заказ готов"},
    )
    assert sent.status_code == 201, sent.content
    assert sent.json()["from_staff"] is True
    message = Message.objects.get(public_id=sent.json()["id"])
    assert (message.conversation.contact_id, message.conversation.company_id) == (
        contact.pk,
        world.company.pk,
    )
    mine = world.client_for("owner").get("/api/v1/me/messages").json()["data"]
    assert mine[0]["body"] == "Заказ готов"
    assert OutboxEvent.objects.filter(type="message.sent").exists()


def test_a_message_into_a_company_the_contact_is_not_in_is_refused(world, auth):
    before = Message.objects.count()
    answer = _send(
        "post",
        "/api/v1/messages",
        auth,
        {
            "contact": world.order.contact.public_id,
            "company": world.other_company.public_id,
            "body": "Привет",
        },
    )
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "company"
    assert Message.objects.count() == before


# --- Pipelines ---------------------------------------------------------------------------------------------
def test_pipelines_list_their_stages_in_order_within_the_keys_scopes(staff, auth):
    orders = f.PipelineFactory(name="Продажи", kind="order")
    f.StageFactory(pipeline=orders, name="Второй", position=2)
    f.StageFactory(pipeline=orders, name="Первый", position=1)
    tickets = f.PipelineFactory(name="Поддержка", kind="ticket")
    everything = {p["id"]: p for p in _get("/api/v1/pipelines", auth).json()["data"]}
    assert [s["name"] for s in everything[orders.pk]["stages"]] == ["Первый", "Второй"]
    assert tickets.pk in everything
    only_orders = issue_api_key(actor=staff, name="orders", scopes={"orders": "read"})
    rows = _get("/api/v1/pipelines", {"Authorization": f"Bearer {only_orders.key}"}).json()["data"]
    assert {p["kind"] for p in rows} == {"order"}


@pytest.mark.parametrize(
    ("path", "body"),
    [("/api/v1/contacts", {"first_name": "\u0000"}), ("/api/v1/orders/%00/items", {"name": "0"})],
)
def test_a_nul_character_is_bad_input_never_a_500(auth, path, body):
    """PostgreSQL cannot store NUL (its driver refuses it: 422); SQLite stores it or finds nothing (201, 404)."""
    answer = _send("post", path, auth, body)
    assert answer.status_code in (201, 404, 422), answer.content
    if answer.status_code == 422:
        assert answer["Content-Type"] == "application/problem+json"
