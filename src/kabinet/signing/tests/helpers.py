"""Test helpers: a published PDF document and its signature request, built through the actions."""

from __future__ import annotations

import datetime
import hashlib

from allauth.account.models import EmailAddress

from kabinet.demo.pdf import simple_pdf
from kabinet.documents.models import Document
from kabinet.files.actions import store_bytes
from kabinet.signing import actions
from kabinet.signing.models import SignatureRequest
from kabinet.testing import factories as f

NOW = datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.UTC)


def pdf_document(
    *, company, contact, title: str = "Supply contract 7", lines: list[str] | None = None
) -> Document:
    """A published contract whose file is a real (small) PDF."""
    stored = store_bytes(
        actor=None,
        name="contract.pdf",
        data=simple_pdf(lines or [title, "Terms and conditions"]),
        company=company,
        contact=contact,
    )
    return f.DocumentFactory(company=company, contact=contact, title=title, file=stored)


def verified_email(user) -> None:
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


def requested(document: Document, **kwargs) -> SignatureRequest:
    staff = kwargs.pop("actor", None) or f.StaffFactory()
    return actions.request_signature(actor=staff, document=document, **kwargs)


def fake_sealed(sig_request: SignatureRequest, stored) -> SignatureRequest:
    """A completed request pointing at ``stored`` as its signed file (access tests need no real seal)."""
    with stored.file.open("rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    SignatureRequest.objects.filter(pk=sig_request.pk).update(
        signed_file=stored, result_sha256=digest, status=SignatureRequest.Status.SIGNED, completed_at=NOW
    )
    sig_request.refresh_from_db()
    return sig_request
