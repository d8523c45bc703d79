"""PAdES B-T: the seal carries an RFC 3161 timestamp from the timestamp server staff configured.

The offline ``local`` authority (pyHanko's DummyTimeStamper) for the demo; the ``rfc3161`` provider against a
time-stamping authority served by pytest-httpserver answering real RFC 3161 responses (built by the same public
pyHanko class from the request it receives); and a server that is down: the seal is B-B, the timestamp pending,
and the job adds a document timestamp once the server answers, while the copy issued before still verifies.
"""

from __future__ import annotations

import base64
import datetime
import re
from unittest import mock

import pytest
from asn1crypto import keys, tsp
from asn1crypto import x509 as asn1_x509
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pyhanko.sign.timestamps import DummyTimeStamper
from werkzeug import Response

from kabinet.crm.models import Membership
from kabinet.integrations.actions import configure_provider
from kabinet.integrations.timestamp.local import tsa_certificate
from kabinet.signing import actions, seal
from kabinet.signing.models import SignatureRequest
from kabinet.signing.tests.helpers import NOW, pdf_document, requested, verified_email
from kabinet.testing import factories as f

pytestmark = pytest.mark.django_db

CONTEXT = actions.Context(ip_address="203.0.113.7", user_agent="Mobile Safari", time_zone="Europe/Moscow")
TSA_NAME = "Test Timestamp Authority"


@pytest.fixture
def anna():
    company = f.CompanyFactory(name="ООО Ромашка")
    user = f.client_user(company=company, role=Membership.Role.ADMIN, email="anna@example.test")
    verified_email(user)
    return user


def sign(user, sig_request, capture):
    """The client signs with the code from her email; her signature is the last, so the PDF is sealed."""
    signer = actions.current_signer(sig_request)
    with capture(execute=True):
        attempt = actions.send_signing_code(actor=user, signer=signer, channel=actions.EMAIL, now=NOW)
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    with capture(execute=True), mock.patch("django.utils.timezone.now", return_value=NOW):
        outcome = actions.sign(
            actor=user,
            signer=signer,
            attempt=attempt.attempt,
            code=code,
            context=CONTEXT,
            now=NOW,
            accept_consent=True,
        )
    assert outcome == "ok"
    sig_request.refresh_from_db()
    return sig_request


def signed_bytes(sig_request) -> bytes:
    with sig_request.signed_file.file.open("rb") as handle:
        return handle.read()


def test_the_local_authority_timestamps_the_seal(settings, anna, django_capture_on_commit_callbacks):
    settings.KABINET_TIMESTAMP_PROVIDER = "local"
    document = pdf_document(company=anna.contact.memberships.get().company, contact=anna.contact)
    sig_request = sign(
        anna, requested(document, client_contact=anna.contact), django_capture_on_commit_callbacks
    )

    assert sig_request.timestamp_status == SignatureRequest.Timestamp.STAMPED
    assert sig_request.timestamped_at == NOW  # the portal's clock, moved by the test
    assert "Kabinet local timestamp authority" in sig_request.timestamp_authority
    data = signed_bytes(sig_request)
    check = seal.check_seal(data, [sig_request.certificate_pem], [sig_request.timestamp_certificate_pem])
    assert check.ok and check.timestamp == NOW and check.timestamp_trusted, check
    # without the authority's certificate the time is still read, but not trusted
    assert not seal.check_seal(data, [sig_request.certificate_pem]).timestamp_trusted


def test_without_a_server_the_seal_is_b_b(settings, anna, django_capture_on_commit_callbacks):
    settings.KABINET_TIMESTAMP_PROVIDER = ""  # nothing chosen: "none"
    document = pdf_document(company=anna.contact.memberships.get().company, contact=anna.contact)
    sig_request = sign(
        anna, requested(document, client_contact=anna.contact), django_capture_on_commit_callbacks
    )
    assert sig_request.timestamp_status == SignatureRequest.Timestamp.NONE
    check = seal.check_seal(signed_bytes(sig_request), [sig_request.certificate_pem])
    assert check.ok and check.timestamp is None
    assert actions.add_pending_timestamps(now=NOW) == 0


@pytest.fixture
def authority():
    """A time-stamping authority's certificate and key, and pyHanko's public test TSA signing with them."""
    cert, key = tsa_certificate(TSA_NAME, NOW)
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert), tsa_key=keys.PrivateKeyInfo.load(key), fixed_dt=NOW
    )


@pytest.fixture
def tsa_server(settings, httpserver, authority):
    """The ``rfc3161`` provider, configured by staff with Basic credentials, pointed at the local server."""
    settings.KABINET_TIMESTAMP_PROVIDER = ""
    configure_provider(
        actor=None,
        kind="timestamp",
        provider_id="rfc3161",
        config={"url": httpserver.url_for("/tsr"), "username": "kabinet", "password": "tsa-secret"},
        active=True,
    )
    seen = []

    def answer(request):
        seen.append(request)
        if (
            request.headers.get("Authorization")
            != "Basic " + base64.b64encode(b"kabinet:tsa-secret").decode()
        ):
            return Response(status=401)
        if request.headers.get("Content-Type") != "application/timestamp-query":
            return Response(status=415)
        query = tsp.TimeStampReq.load(request.get_data())
        reply = authority.request_tsa_response(query)
        return Response(reply.dump(), status=200, content_type="application/timestamp-reply")

    httpserver.expect_request("/tsr", method="POST").respond_with_handler(answer)
    httpserver.seen = seen
    return httpserver


def test_an_rfc3161_server_timestamps_the_seal(tsa_server, anna, django_capture_on_commit_callbacks):
    document = pdf_document(company=anna.contact.memberships.get().company, contact=anna.contact)
    sig_request = sign(
        anna, requested(document, client_contact=anna.contact), django_capture_on_commit_callbacks
    )
    assert tsa_server.seen, "the server was asked"
    assert sig_request.timestamp_status == SignatureRequest.Timestamp.STAMPED
    assert sig_request.timestamped_at == NOW and TSA_NAME in sig_request.timestamp_authority
    check = seal.check_seal(
        signed_bytes(sig_request), [sig_request.certificate_pem], [sig_request.timestamp_certificate_pem]
    )
    assert check.ok and check.timestamp == NOW and check.timestamp_trusted


def test_a_server_that_is_down_leaves_the_timestamp_pending_and_the_job_adds_it(
    settings, httpserver, authority, anna, client, django_capture_on_commit_callbacks
):
    settings.KABINET_TIMESTAMP_PROVIDER = ""
    configure_provider(
        actor=None,
        kind="timestamp",
        provider_id="rfc3161",
        config={"url": httpserver.url_for("/tsr")},
        active=True,
    )
    httpserver.expect_request("/tsr", method="POST").respond_with_data("busy", status=503)
    document = pdf_document(company=anna.contact.memberships.get().company, contact=anna.contact)
    sig_request = sign(
        anna, requested(document, client_contact=anna.contact), django_capture_on_commit_callbacks
    )

    # sealed all the same (B-B), the timestamp pending; the client has his file
    assert sig_request.status == SignatureRequest.Status.SIGNED
    assert sig_request.timestamp_status == SignatureRequest.Timestamp.PENDING
    before = signed_bytes(sig_request)
    assert seal.check_seal(before, [sig_request.certificate_pem]).ok
    assert actions.add_pending_timestamps(now=NOW) == 0  # still down: still pending, one more attempt
    sig_request.refresh_from_db()
    assert sig_request.timestamp_status == SignatureRequest.Timestamp.PENDING
    assert sig_request.timestamp_attempts == 2

    # the server is back: the job adds a document timestamp
    httpserver.clear()
    httpserver.expect_request("/tsr", method="POST").respond_with_handler(
        lambda request: Response(
            authority.request_tsa_response(tsp.TimeStampReq.load(request.get_data())).dump(),
            content_type="application/timestamp-reply",
        )
    )
    assert actions.add_pending_timestamps(now=NOW + datetime.timedelta(minutes=30)) == 1
    sig_request.refresh_from_db()
    assert sig_request.timestamp_status == SignatureRequest.Timestamp.STAMPED
    assert sig_request.timestamped_at == NOW and TSA_NAME in sig_request.timestamp_authority
    after = signed_bytes(sig_request)
    assert after.startswith(before)  # an incremental update: the copy issued first is inside, unchanged
    assert sig_request.unstamped_sha256 and sig_request.result_sha256 != sig_request.unstamped_sha256
    check = seal.check_seal(after, [sig_request.certificate_pem], [sig_request.timestamp_certificate_pem])
    assert check.ok and check.timestamp == NOW and check.timestamp_trusted, check

    # /verify/: the timestamped file is genuine and shows the time; the earlier copy is genuine too
    page = client.post(reverse("signing:verify"), {"file": SimpleUploadedFile("s.pdf", after)})
    body = page.content.decode()
    assert 'data-outcome="genuine"' in body and 'data-timestamp="stamped"' in body and TSA_NAME in body
    page = client.post(reverse("signing:verify"), {"file": SimpleUploadedFile("s.pdf", before)})
    body = page.content.decode()
    assert 'data-outcome="genuine"' in body and "data-copy-before-timestamp" in body
    # a changed byte after the timestamp fails
    tampered = bytearray(after)
    tampered[len(before) + 40] ^= 1
    assert not seal.check_seal(bytes(tampered), [sig_request.certificate_pem]).ok
