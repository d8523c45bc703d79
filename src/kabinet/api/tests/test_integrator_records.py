"""The integrator's writes on clients' records: companies, contact details, tickets, history notes, files.

Each goes through the domain's action (validation, history, audit), answers problem+json at the field on bad
input and leaves nothing half-written; updates need the ETag they read (``If-Match``).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kabinet.core.models import AuditEntry
from kabinet.crm.models import Company, TimelineEntry
from kabinet.crm.selectors import timeline_visible_to
from kabinet.crm.viewer import build_viewer
from kabinet.files.models import ClientFile
from kabinet.testing import factories as f
from kabinet.tickets.models import Ticket
from kabinet.webhooks.models import OutboxEvent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%kabinet api\n"
VALID_INN, VALID_KPP, VALID_OGRN = "7707083893", "773601001", "1027700132195"


def _get(path, headers, **params):
    return Client().get(path, params, headers={"Accept-Language": "en", **headers})


def _send(method, path, headers, body=None, **extra):
    return getattr(Client(), method)(
        path,
        body or {},
        content_type="application/json",
        headers={"Accept-Language": "en", **headers, **extra},
    )


def _fields(answer) -> dict[str, str]:
    assert answer["Content-Type"] == "application/problem+json", answer.content
    return {e["field"]: e["message"] for e in answer.json()["errors"]}


# --- Companies ---------------------------------------------------------------------------------------------
def test_a_company_is_created_with_checked_registration_numbers(auth):
    body = {"name": "ООО Ромашка", "inn": VALID_INN, "kpp": VALID_KPP, "ogrn": VALID_OGRN}
    created = _send("post", "/api/v1/companies", auth, body, **{"Idempotency-Key": "co-1"})
    assert created.status_code == 201, created.content
    assert (created.json()["inn"], created.json()["kpp"], created.json()["country"]) == (
        VALID_INN,
        VALID_KPP,
        "RU",
    )
    again = _send("post", "/api/v1/companies", auth, body, **{"Idempotency-Key": "co-1"})
    assert again["Idempotent-Replayed"] == "true" and Company.objects.filter(inn=VALID_INN).count() == 1
    assert AuditEntry.objects.filter(event="company.created").count() == 1

    wrong = _send("post", "/api/v1/companies", auth, {"name": "ООО Лютик", "inn": "7707083894", "ogrn": "1"})
    assert wrong.status_code == 422
    assert set(_fields(wrong)) == {"inn", "ogrn"}
    assert not Company.objects.filter(name="ООО Лютик").exists()


def test_a_company_is_updated_only_with_the_etag_it_was_read_with(auth):
    company = f.CompanyFactory(name="ООО Старое")
    path = f"/api/v1/companies/{company.public_id}"
    assert _send("patch", path, auth, {"name": "ООО Новое"}).status_code == 428
    etag = _get(path, auth)["ETag"]
    bad = _send("patch", path, auth, {"name": "ООО Новое", "kpp": "12"}, **{"If-Match": etag})
    assert bad.status_code == 422 and "kpp" in _fields(bad)
    company.refresh_from_db()
    assert company.name == "ООО Старое"  # nothing half-written
    phone = _send("patch", path, auth, {"phone": "12"}, **{"If-Match": etag})
    assert phone.status_code == 422 and "phone" in _fields(phone)
    assert _send("patch", path, auth, {"name": None}, **{"If-Match": etag}).status_code == 422
    changed = _send(
        "patch", path, auth, {"name": "ООО Новое", "email": "office@example.test"}, **{"If-Match": etag}
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["name"], changed.json()["email"]) == ("ООО Новое", "office@example.test")
    assert _send("patch", path, auth, {"name": "ООО Третье"}, **{"If-Match": etag}).status_code == 412
    assert OutboxEvent.objects.filter(type="client.updated").exists()
    assert (
        _send("patch", "/api/v1/companies/" + "x" * 22, auth, {"name": "Н"}, **{"If-Match": etag}).status_code
        == 404
    )


# --- Contacts ----------------------------------------------------------------------------------------------
def test_contact_details_change_and_new_addresses_stay_unverified(auth):
    user = f.client_user(company=None, email="kept@example.test")
    contact = user.contact
    contact.emails.update(verified_at="2026-01-01T00:00:00Z")
    path = f"/api/v1/contacts/{contact.public_id}"
    read = _get(path, auth)
    assert read.json()["emails"] == [{"value": "kept@example.test", "is_primary": True, "verified": True}]
    changed = _send(
        "patch",
        path,
        auth,
        {"last_name": "Петрова", "emails": ["new@example.test", "kept@example.test"]},
        **{"If-Match": read["ETag"]},
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["last_name"] == "Петрова"
    assert changed.json()["emails"] == [
        {"value": "new@example.test", "is_primary": True, "verified": False},
        {"value": "kept@example.test", "is_primary": False, "verified": True},
    ]
    assert changed.json()["first_name"] == contact.first_name  # what was not sent stays
    bad = _send("patch", path, auth, {"phones": ["12"]}, **{"If-Match": changed["ETag"]})
    assert bad.status_code == 422 and "phones" in _fields(bad)
    assert (
        _send("patch", path, auth, {"phones": ["+79161234567"]}, **{"If-Match": read["ETag"]}).status_code
        == 412
    )
    assert TimelineEntry.objects.filter(event="contact.updated", contact=contact).count() == 1


# --- Tickets -----------------------------------------------------------------------------------------------
def test_a_ticket_is_opened_for_a_contact_with_his_first_message(world, auth):
    contact = world.order.contact
    body = {"subject": "Не работает доставка", "body": "Курьер не приехал", "contact": contact.public_id}
    opened = _send("post", "/api/v1/tickets", auth, {**body, "company": world.company.public_id})
    assert opened.status_code == 201, opened.content
    ticket = Ticket.objects.get(public_id=opened.json()["id"])
    assert (ticket.contact, ticket.company, ticket.source) == (contact, world.company, "portal")
    first = ticket.messages.get()
    assert first.author_contact == contact and first.body == "Курьер не приехал"
    thread = _get(f"/api/v1/tickets/{ticket.public_id}/messages", auth).json()["data"]
    assert [m["from_staff"] for m in thread] == [False]
    by_agent = _send("post", "/api/v1/tickets", auth, {**body, "from_client": False})
    assert Ticket.objects.get(public_id=by_agent.json()["id"]).messages.get().author_contact is None
    foreign = _send("post", "/api/v1/tickets", auth, {**body, "company": world.other_company.public_id})
    assert foreign.status_code == 422 and "contact" in _fields(foreign)
    assert _fields(_send("post", "/api/v1/tickets", auth, {**body, "contact": "x" * 22})) == {
        "contact": "Unknown id."
    }
    assert OutboxEvent.objects.filter(type="ticket.created").count() == 2


# --- History -----------------------------------------------------------------------------------------------
def test_history_is_read_per_client_and_a_note_is_written(world, auth):
    contact = world.order.contact
    note = {"text": "Позвонил, договорились на пятницу", "contact": contact.public_id}
    written = _send("post", "/api/v1/timeline", auth, {**note, "company": world.company.public_id})
    assert written.status_code == 201, written.content
    assert written.json()["event"] == "note.added" and "пятницу" in written.json()["text"]
    shown = _send("post", "/api/v1/timeline", auth, {**note, "text": "Заказ готов", "client_visible": True})
    assert shown.status_code == 201
    own = _get("/api/v1/timeline", auth, contact=contact.public_id).json()["data"]
    assert {e["id"] for e in own} >= {written.json()["id"], shown.json()["id"]}
    of_company = _get("/api/v1/timeline", auth, company=world.company.public_id).json()["data"]
    assert written.json()["id"] in {e["id"] for e in of_company}
    assert shown.json()["id"] not in {e["id"] for e in of_company}  # no company: his private history
    other = _get("/api/v1/timeline", auth, company=world.other_company.public_id).json()["data"]
    assert written.json()["id"] not in {e["id"] for e in other}
    assert _fields(_get("/api/v1/timeline", auth, company="x" * 22)) == {"company": "Unknown id."}
    # the team's note never reaches the client
    viewer = build_viewer(SimpleNamespace(user=world.users["owner"]))
    assert not timeline_visible_to(viewer).filter(public_id=written.json()["id"]).exists()
    refused = _send("post", "/api/v1/timeline", auth, {"text": "Без адресата"})
    assert refused.status_code == 422 and "contact" in _fields(refused)
    stranger = _send("post", "/api/v1/timeline", auth, {**note, "company": world.other_company.public_id})
    assert stranger.status_code == 422 and "contact" in _fields(stranger)
    assert AuditEntry.objects.filter(event="timeline.note_added").count() == 2


# --- Files -------------------------------------------------------------------------------------------------
def _upload(auth, fields, file, **extra):
    return Client().post(
        "/api/v1/files", {**fields, "file": file}, headers={"Accept-Language": "en", **auth, **extra}
    )


def test_a_file_is_uploaded_checked_listed_and_downloaded(world, auth):
    upload = SimpleUploadedFile("акт.pdf", PDF, content_type="application/pdf")
    stored = _upload(
        auth, {"company": world.company.public_id, "contact": world.order.contact.public_id}, upload
    )
    assert stored.status_code == 201, stored.content
    body = stored.json()
    assert (body["name"], body["size"], body["direction"], body["content_type"]) == (
        "акт.pdf",
        len(PDF),
        "out",
        "application/pdf",
    )
    listed = _get("/api/v1/files", auth, company=world.company.public_id).json()["data"]
    assert body["id"] in {row["id"] for row in listed}
    assert _get(f"/api/v1/files/{body['id']}", auth).json()["sha256"] == body["sha256"]
    download = _get(f"/api/v1/files/{body['id']}/download", auth)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "private, no-store"
    assert _get("/api/v1/files/" + "x" * 22 + "/download", auth).status_code == 404
    assert AuditEntry.objects.filter(event="file.uploaded").count() == 1


def test_an_upload_that_is_not_what_it_says_is_refused_at_the_file_field(world, auth):
    before = ClientFile.objects.count()
    html = SimpleUploadedFile("invoice.txt", b"<html><script>alert(1)</script>", content_type="text/plain")
    refused = _upload(auth, {"company": world.company.public_id}, html)
    assert refused.status_code == 422 and "file" in _fields(refused)
    empty = _upload(auth, {"company": world.company.public_id}, SimpleUploadedFile("a.pdf", b""))
    assert empty.status_code == 422 and "file" in _fields(empty)
    nobody = _upload(auth, {}, SimpleUploadedFile("a.pdf", PDF))
    assert nobody.status_code == 422 and "company" in _fields(nobody)
    assert ClientFile.objects.count() == before
