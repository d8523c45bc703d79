"""The public verification page: genuine file, a tampered copy, a signature id, junk; rate-limited; and the
certificate staff install."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kabinet.crm.models import Membership
from kabinet.signing import actions, certificate
from kabinet.signing.models import OrganisationCertificate, SignatureRequest
from kabinet.signing.tests.helpers import NOW, pdf_document, pdf_text, requested
from kabinet.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed():
    company = f.CompanyFactory(name="ООО Ромашка")
    user = f.client_user(company=company, role=Membership.Role.ADMIN, full_name="Анна Смирнова")
    document = pdf_document(company=company, contact=user.contact, title="Supply contract 7")
    sig_request = requested(document, client_contact=user.contact)
    signer = sig_request.signers.get()
    context = actions.Context(ip_address="198.51.100.1", user_agent="UA", time_zone="Europe/Moscow")
    # Signing through the action with a known code: the attempt is made directly (the pages are tested elsewhere).
    from kabinet.accounts import codes
    from kabinet.signing.models import SigningCode

    SigningCode.objects.create(
        signer=signer,
        attempt="a1",
        code_hash=codes.code_hash("123456"),
        channel="email",
        destination="a***@example.test",
        document_sha256=sig_request.original_sha256,
        created_at=NOW,
        expires_at=NOW.replace(hour=23),
    )
    outcome = actions.sign(
        actor=user, signer=signer, attempt="a1", code="123456", context=context, now=NOW, accept_consent=True
    )
    assert outcome == "ok"
    sig_request.refresh_from_db()
    return sig_request


def upload(client, data: bytes):
    return client.post(
        reverse("signing:verify"), {"file": SimpleUploadedFile("x.pdf", data, "application/pdf")}
    )


def test_the_signed_file_is_genuine(signed):
    data = signed.signed_file.file.open("rb").read()
    page = upload(Client(), data)
    body = page.content.decode()
    assert page.status_code == 200 and 'data-outcome="genuine"' in body, body.split("<main")[1][:2500]
    assert (
        signed.signature_id in body
        and "Supply contract 7" in body
        and signed.events.get().signer_name in body
    )
    assert "198.51.100.1" not in body  # nothing beyond the public facts


def test_a_tampered_copy_fails(signed):
    data = bytearray(signed.signed_file.file.open("rb").read())
    at = bytes(data).index(b"Terms and conditions")
    data[at] = ord("X")
    body = upload(Client(), bytes(data)).content.decode()
    assert 'data-outcome="not_genuine"' in body and signed.signature_id not in body


def test_the_original_unsigned_file_is_not_genuine(signed):
    body = upload(Client(), signed.document.file.file.open("rb").read()).content.decode()
    assert 'data-outcome="not_genuine"' in body


def test_not_a_pdf_is_a_field_error():
    page = upload(Client(), b"GIF89a...")
    body = page.content.decode()
    assert page.status_code == 200 and 'class="field-error"' in body and "data-outcome" not in body


def test_by_signature_id_and_the_qr_link(signed):
    client = Client()
    by_id = client.post(reverse("signing:verify"), {"signature_id": signed.signature_id.lower()})
    assert 'data-outcome="known_id"' in by_id.content.decode()
    unknown = client.post(reverse("signing:verify"), {"signature_id": "KB-AAAA-BBBB-CCCC"})
    assert 'data-outcome="unknown_id"' in unknown.content.decode()
    assert client.get(reverse("signing:verify_id", args=[signed.signature_id])).status_code == 200
    assert client.get("/verify/KB-AAAA-BBBB-CCCC/").status_code == 404


def test_the_qr_code_and_the_id_are_on_the_signature_page(signed):
    text = pdf_text(signed.signed_file.file.open("rb").read())  # the page's text, as a reader extracts it
    assert signed.signature_id in text
    assert actions.verify_url(signed.signature_id) in text


def test_pending_requests_are_not_revealed():
    company = f.CompanyFactory()
    user = f.client_user(company=company)
    sig_request = requested(pdf_document(company=company, contact=user.contact), client_contact=user.contact)
    assert sig_request.status == SignatureRequest.Status.PENDING
    assert Client().get(reverse("signing:verify_id", args=[sig_request.signature_id])).status_code == 404


def test_the_page_is_rate_limited(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signing_verify": "2/m/ip"}
    client = Client()
    answers = [
        client.post(reverse("signing:verify"), {"signature_id": "KB-AAAA-BBBB-CCCC"}).status_code
        for _ in range(3)
    ]
    assert answers == [200, 200, 429]


def test_staff_install_their_own_pkcs12_and_it_seals_next(signed):
    data = certificate.generate_pkcs12("ООО Ромашка seal", b"s3cret", now=NOW)
    with pytest.raises(ValidationError) as refused:
        actions.install_certificate(actor=None, label="bad", pkcs12_data=data, password="wrong")
    assert "upload" in refused.value.message_dict
    installed = actions.install_certificate(actor=None, label="Our seal", pkcs12_data=data, password="s3cret")
    assert b"s3cret" not in installed.password_token.encode()
    key = certificate.active_key()
    assert key.certificate_pem == installed.certificate_pem and key.password == b"s3cret"
    assert OrganisationCertificate.objects.filter(active=True).count() == 1
