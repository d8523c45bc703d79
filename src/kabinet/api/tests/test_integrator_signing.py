"""Signing through the integrator API: asking for a signature and reading its status and evidence.

The answers name signers, statuses and what the evidence records, never a one-time code, its attempt token
or where it was sent (Documenso #844 leaked signing tokens through its API).
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from kabinet.documents.models import Document
from kabinet.signing import actions as signing
from kabinet.signing.models import SignatureRequest, SigningCode
from kabinet.signing.tests.helpers import NOW, pdf_document, verified_email
from kabinet.testing import factories as f

pytestmark = pytest.mark.django_db


def _get(path, headers, **params):
    return Client().get(path, params, headers={"Accept-Language": "en", **headers})


def _send(path, headers, body, **extra):
    return Client().post(
        path, body, content_type="application/json", headers={"Accept-Language": "en", **headers, **extra}
    )


def test_a_signature_is_requested_and_its_status_and_evidence_read_without_codes(world, auth):
    owner = world.users["owner"]
    contact = owner.contact
    document = pdf_document(company=world.company, contact=contact)
    path = f"/api/v1/documents/{document.public_id}/signature"
    assert _get(path, auth).status_code == 404  # nothing asked yet

    asked = _send(
        path,
        auth,
        {"client_contact": contact.public_id, "deadline": "2031-01-31"},
        **{"Idempotency-Key": "s1"},
    )
    assert asked.status_code == 201, asked.content
    body = asked.json()
    assert (body["object"], body["document"], body["status"], body["deadline"]) == (
        "signature_request",
        document.public_id,
        "pending",
        "2031-01-31",
    )
    assert [(s["side"], s["contact"], s["status"]) for s in body["signers"]] == [
        ("client", contact.public_id, "pending")
    ]
    assert body["evidence"] == []
    replay = _send(
        path,
        auth,
        {"client_contact": contact.public_id, "deadline": "2031-01-31"},
        **{"Idempotency-Key": "s1"},
    )
    assert replay["Idempotent-Replayed"] == "true" and SignatureRequest.objects.count() == 1
    assert Document.objects.get(pk=document.pk).status == Document.Status.AWAITING_SIGNATURE

    verified_email(owner)
    request = SignatureRequest.objects.get()
    signer = request.signers.get()
    code = signing.send_signing_code(actor=owner, signer=signer, channel="email", now=NOW)
    context = signing.Context(ip_address="203.0.113.9", user_agent="pytest", time_zone="Europe/Moscow")
    signing.decline(actor=owner, signer=signer, reason="Не согласен с п. 3", context=context, now=NOW)

    read = _get(path, auth)
    assert read.status_code == 200
    body = read.json()
    assert body["status"] == "declined"
    assert body["signers"][0]["decline_reason"] == "Не согласен с п. 3"
    assert [e["kind"] for e in body["evidence"]] == ["declined"]
    text = json.dumps(body) + json.dumps(_get("/api/v1/signatures", auth).json())
    row = SigningCode.objects.get(pk=code.pk)
    for secret in (row.attempt, row.code_hash, row.destination, "203.0.113.9"):
        assert secret not in text
    listed = _get("/api/v1/signatures", auth, status="declined").json()["data"]
    assert [r["id"] for r in listed] == [body["id"]]
    assert _get("/api/v1/signatures", auth, status="pending").json()["data"] == []


def test_a_signature_request_that_breaks_the_rules_is_a_field_error(world, auth):
    document = pdf_document(company=world.company, contact=world.order.contact)
    path = f"/api/v1/documents/{document.public_id}/signature"
    stranger = _send(path, auth, {"client_contact": world.foreign["order"].contact.public_id})
    assert stranger.status_code == 422
    assert [e["field"] for e in stranger.json()["errors"]] == ["client_contact"]
    neither = _send(path, auth, {})
    assert neither.status_code == 422 and neither.json()["errors"][0]["field"] == "client_contact"
    assert _send(path, auth, {"any_company_admin": True}).status_code == 201
    again = _send(path, auth, {"any_company_admin": True})
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "document"
    draft = f.DocumentFactory(company=world.company, status=Document.Status.DRAFT)
    assert (
        _send(f"/api/v1/documents/{draft.public_id}/signature", auth, {"any_company_admin": True}).status_code
        == 404
    )
    assert _send("/api/v1/documents/" + "x" * 22 + "/signature", auth, {}).status_code == 404
