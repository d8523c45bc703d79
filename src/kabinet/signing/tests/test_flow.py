"""Signing end to end through the pages: Anna reads the statement, gets a code by email (or text), signs; the
manager countersigns with his authenticator; the sealed PDF validates with pyHanko, a changed byte does not."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import secrets

import pytest
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader

from kabinet.crm.models import Membership, TimelineEntry
from kabinet.documents.models import Document
from kabinet.signing import actions, seal
from kabinet.signing.models import SignatureRequest, Signer, SigningCode, SigningConsent, SigningEvent
from kabinet.signing.tests.helpers import (
    NOW,
    embedded_font_characters,
    pdf_document,
    pdf_text,
    requested,
    verified_email,
)
from kabinet.testing import factories as f
from kabinet.testing.totp import totp_code
from kabinet.webhooks.models import OutboxEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _codes_not_rate_limited(settings):
    """Tests here ask for several codes within seconds; the limit itself is tested below."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signing_code": "100/m/user"}


@pytest.fixture
def anna():
    company = f.CompanyFactory(name="ООО Ромашка")
    user = f.client_user(
        company=company, role=Membership.Role.ADMIN, email="anna@example.test", full_name="Анна Смирнова"
    )
    verified_email(user)
    return user


@pytest.fixture
def manager():
    user = f.StaffFactory(email="manager@example.test", full_name="Pavel Manager")
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="signing", codename="view_signaturerequest")
    )
    secret = base64.b32encode(secrets.token_bytes(20)).decode()
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": get_mfa_adapter().encrypt(secret)}
    )
    user.totp_secret = secret
    return user


def company_of(user):
    return Membership.objects.get(contact=user.contact).company


def code_from_mail() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def send_code(client, url, channel="email"):
    """Ask for a code; the message leaves when the transaction commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, {"action": "send", "confirm": "on", "channel": channel})


def client_signs(client, document, *, consent=True):
    url = reverse("signing:sign", args=[document.public_id])
    page = client.get(url)
    assert page.status_code == 200
    sent = send_code(client, url)
    assert sent.status_code == 302, sent.content.decode()[:2000]
    attempt = sent["Location"].split("attempt=")[1].split("#")[0]
    code = code_from_mail()
    data = {"action": "sign", "attempt": attempt, "code": code, "time_zone": "Europe/Moscow"}
    if consent:
        data["consent"] = "on"
    return client.post(url, data, HTTP_USER_AGENT="Mobile Safari", REMOTE_ADDR="203.0.113.7")


def test_anna_signs_the_manager_countersigns_and_the_sealed_pdf_validates(
    client, anna, manager, django_capture_on_commit_callbacks
):
    document = pdf_document(
        company=company_of(anna), contact=anna.contact, title="Договор поставки — Zażółć gęślą jaźń"
    )
    with django_capture_on_commit_callbacks(execute=True):
        sig_request = requested(document, actor=manager, client_contact=anna.contact, staff_user=manager)
    assert Document.objects.get(pk=document.pk).status == Document.Status.AWAITING_SIGNATURE

    client.force_login(anna)
    detail = client.get(reverse("documents:detail", args=[document.public_id]))
    assert reverse("signing:sign", args=[document.public_id]) in detail.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client_signs(client, document)
    assert answer.status_code == 302

    event = SigningEvent.objects.get(request=sig_request)
    assert event.kind == "signed" and event.channel == "email" and event.destination == "a***@example.test"
    assert event.ip_address == "203.0.113.7" and event.user_agent == "Mobile Safari"
    assert event.time_zone == "Europe/Moscow" and event.local_time.endswith("+03:00")
    assert event.document_sha256 == hashlib.sha256(document.file.file.open("rb").read()).hexdigest()
    assert event.role == "company admin" and event.company_name == "ООО Ромашка"
    assert event.document_sha256 in event.statement
    assert SigningConsent.objects.filter(user=anna, version=1).count() == 1
    sig_request.refresh_from_db()
    assert sig_request.status == SignatureRequest.Status.PENDING  # the manager signs after her

    staff = client.__class__()
    staff.force_login(manager)
    url = reverse("signing_staff:detail", args=[sig_request.public_id])
    assert "Sign for our company" in staff.get(url).content.decode()
    wrong = staff.post(url, {"code": "000000" if totp_code(manager.totp_secret) != "000000" else "111111"})
    assert wrong.status_code == 200 and not SigningEvent.objects.filter(channel="totp").exists()
    done = staff.post(url, {"code": totp_code(manager.totp_secret), "time_zone": "Europe/Warsaw"})
    assert done.status_code == 302

    sig_request.refresh_from_db()
    assert sig_request.status == SignatureRequest.Status.SIGNED
    assert Document.objects.get(pk=document.pk).status == Document.Status.SIGNED
    signed = sig_request.signed_file.file.open("rb").read()
    assert hashlib.sha256(signed).hexdigest() == sig_request.result_sha256
    assert signed.startswith(document.file.file.open("rb").read())  # an incremental update: original intact

    reader = PdfFileReader(io.BytesIO(signed))
    assert len(reader.embedded_signatures) == 1
    assert int(reader.root["/Pages"]["/Count"]) == 2  # the original page and the signature page
    check = seal.check_seal(signed, [sig_request.certificate_pem])
    assert check.ok, check

    # The signature page in the original script: the text a reader extracts, and the glyphs really drawn.
    text = pdf_text(signed)
    name = SigningEvent.objects.get(request=sig_request, channel="email").signer_name  # her contact's name
    assert name in text and "ООО Ромашка" in text, text
    assert "Договор поставки — Zażółć gęślą jaźń" in text and sig_request.signature_id in text
    assert "Лист подписания" in text  # the page speaks the portal's language (Russian)
    drawn = embedded_font_characters(signed)
    assert set(drawn.values()) >= set(name.replace(" ", "") + "ООРомашкаżółćęśąźЛистподписания")

    tampered = bytearray(signed)
    at = signed.index(b"Terms and conditions")
    tampered[at] = ord("X")
    assert not seal.check_seal(bytes(tampered), [sig_request.certificate_pem]).ok

    # Both get the sealed PDF.
    download = client.get(reverse("signing:signed_file", args=[document.public_id]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == signed
    assert staff.get(reverse("signing_staff:signed_file", args=[sig_request.public_id])).status_code == 200
    log = client.get(reverse("signing:audit_log", args=[document.public_id])).content.decode()
    assert sig_request.original_sha256 in log and sig_request.result_sha256 in log and "203.0.113.7" in log

    # The webhook event on every signature, and the history.
    assert OutboxEvent.objects.filter(type="document.signed").count() == 2
    assert TimelineEntry.objects.filter(event="document.signed", subject_id=document.pk).count() == 2


def test_a_wrong_code_counts_and_five_end_the_attempt(client, anna):
    document = pdf_document(company=company_of(anna), contact=anna.contact)
    requested(document, client_contact=anna.contact)
    client.force_login(anna)
    url = reverse("signing:sign", args=[document.public_id])
    sent = send_code(client, url)
    attempt = sent["Location"].split("attempt=")[1].split("#")[0]
    right = code_from_mail()
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        page = client.post(url, {"action": "sign", "attempt": attempt, "code": wrong, "consent": "on"})
        assert page.status_code == 200
    page = client.post(url, {"action": "sign", "attempt": attempt, "code": right, "consent": "on"})
    assert "Too many wrong codes" in page.content.decode(), page.content.decode().split("<main")[1][:3000]
    assert not SigningEvent.objects.exists()


def test_a_code_expires_and_is_bound_to_its_attempt(anna):
    document = pdf_document(company=company_of(anna), contact=anna.contact)
    sig_request = requested(document, client_contact=anna.contact)
    signer = sig_request.signers.get()
    with TestCase.captureOnCommitCallbacks(execute=True):
        first = actions.send_signing_code(actor=anna, signer=signer, channel="email", now=NOW)
    first_code = code_from_mail()
    with TestCase.captureOnCommitCallbacks(execute=True):
        second = actions.send_signing_code(actor=anna, signer=signer, channel="email", now=NOW)
    context = actions.Context(ip_address=None, user_agent="", time_zone="UTC")
    # The first attempt ended when the second began.
    assert (
        actions.sign(
            actor=anna,
            signer=signer,
            attempt=first.attempt,
            code=first_code,
            context=context,
            now=NOW,
            accept_consent=True,
        )
        == "expired"
    )
    later = NOW + timezone.timedelta(minutes=11)
    assert (
        actions.sign(
            actor=anna,
            signer=signer,
            attempt=second.attempt,
            code=code_from_mail(),
            context=context,
            now=later,
            accept_consent=True,
        )
        == "expired"
    )
    assert SigningCode.objects.filter(signer=signer).count() == 2


def test_a_code_by_text_message_to_the_verified_phone(client, anna, sms_outbox):
    anna.phone = "+79161234567"
    anna.phone_verified_at = NOW
    anna.save()
    document = pdf_document(company=company_of(anna), contact=anna.contact)
    requested(document, client_contact=anna.contact)
    client.force_login(anna)
    url = reverse("signing:sign", args=[document.public_id])
    assert "+7 ***-***-**-67" in client.get(url).content.decode()
    with_sms = send_code(client, url, "sms")
    assert with_sms.status_code == 302
    assert sms_outbox and sms_outbox[-1].to == "+79161234567"


def test_decline_with_a_reason_staff_see(client, anna, manager):
    document = pdf_document(company=company_of(anna), contact=anna.contact)
    sig_request = requested(document, client_contact=anna.contact)
    client.force_login(anna)
    url = reverse("signing:sign", args=[document.public_id])
    empty = client.post(url, {"action": "decline", "reason": "  "})
    assert empty.status_code == 200 and not SigningEvent.objects.exists()
    client.post(url, {"action": "decline", "reason": "The price in 3.1 is wrong"})
    sig_request.refresh_from_db()
    assert sig_request.status == SignatureRequest.Status.DECLINED
    assert SigningEvent.objects.get().reason == "The price in 3.1 is wrong"
    staff = client.__class__()
    staff.force_login(manager)
    assert (
        "The price in 3.1 is wrong"
        in staff.get(reverse("signing_staff:detail", args=[sig_request.public_id])).content.decode()
    )


def test_sequential_order_the_client_waits_for_the_staff_signer_first(client, anna, manager):
    document = pdf_document(company=company_of(anna), contact=anna.contact)
    requested(document, client_contact=anna.contact, staff_user=manager, staff_first=True)
    client.force_login(anna)
    url = reverse("signing:sign", args=[document.public_id])
    assert "Others sign before you" in client.get(url).content.decode()
    refused = send_code(client, url)
    assert refused.status_code == 302 and not mail.outbox


def test_the_consent_is_needed_once(client, anna):
    company = company_of(anna)
    first, second = (pdf_document(company=company, contact=anna.contact, title=t) for t in ("One", "Two"))
    requested(first, client_contact=anna.contact)
    requested(second, client_contact=anna.contact)
    client.force_login(anna)
    refused = client_signs(client, first, consent=False)
    assert refused.status_code == 200 and not SigningEvent.objects.exists()
    assert client_signs(client, first).status_code == 302
    assert client_signs(client, second, consent=False).status_code == 302
    assert SigningConsent.objects.filter(user=anna).count() == 1
    assert SigningEvent.objects.count() == 2


def test_a_changed_original_cannot_be_signed(anna):
    document = pdf_document(company=company_of(anna), contact=anna.contact)
    sig_request = requested(document, client_contact=anna.contact)
    with document.file.file.open("wb") as handle:
        handle.write(b"%PDF-1.4\n% another file\n")
    with pytest.raises(ValidationError) as refused:
        actions.send_signing_code(actor=anna, signer=sig_request.signers.get(), channel="email", now=NOW)
    assert "channel" in refused.value.message_dict and not SigningCode.objects.exists()


def test_signing_requests_need_a_published_pdf_and_a_member_of_the_company(anna):
    company = company_of(anna)
    stranger = f.client_user(company=f.CompanyFactory())
    document = pdf_document(company=company, contact=anna.contact)
    with pytest.raises(ValidationError) as refused:
        requested(document, client_contact=stranger.contact)
    assert "client_contact" in refused.value.message_dict
    draft = pdf_document(company=company, contact=anna.contact)
    Document.objects.filter(pk=draft.pk).update(status=Document.Status.DRAFT)
    with pytest.raises(ValidationError) as refused:
        requested(Document.objects.get(pk=draft.pk), client_contact=anna.contact)
    assert "document" in refused.value.message_dict
    assert not Signer.objects.exists()


def test_a_reminder_goes_once_before_the_deadline(anna, notices):
    document = pdf_document(company=company_of(anna), contact=anna.contact)
    sig_request = requested(
        document, client_contact=anna.contact, deadline=NOW.date() + timezone.timedelta(days=5)
    )
    before = len(notices)
    assert actions.send_reminders(now=NOW) == 0  # five days ahead: not yet
    later = NOW + timezone.timedelta(days=3)
    assert actions.send_reminders(now=later) == 1
    assert actions.send_reminders(now=later) == 0
    reminders = notices[before:]
    assert [n.event for n in reminders] == ["document.awaiting_signature"]
    assert reminders[0].url == reverse("signing:sign", args=[document.public_id])
    sig_request.refresh_from_db()
    assert sig_request.reminded_at == later


def test_asking_for_codes_is_rate_limited(client, anna, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signing_code": "1/m/user"}
    document = pdf_document(company=company_of(anna), contact=anna.contact)
    requested(document, client_contact=anna.contact)
    client.force_login(anna)
    url = reverse("signing:sign", args=[document.public_id])
    assert "attempt=" in send_code(client, url)["Location"]
    assert "attempt=" not in send_code(client, url)["Location"]
    assert SigningCode.objects.count() == 1


def test_a_named_colleague_signs_a_document_he_does_not_own_and_others_cannot(client, anna):
    company = company_of(anna)
    colleague = f.client_user(company=company, email="colleague@example.test")
    verified_email(colleague)
    other = f.client_user(company=company, email="other@example.test")
    document = pdf_document(company=company, contact=anna.contact)  # Anna's document
    requested(document, client_contact=colleague.contact)
    url = reverse("signing:sign", args=[document.public_id])
    client.force_login(other)
    assert client.get(url).status_code == 404
    assert send_code(client, url).status_code == 404
    client.force_login(anna)  # she sees the document, but she is not the one named
    assert client.get(url).status_code == 404
    client.force_login(colleague)
    assert client_signs(client, document).status_code == 302
    assert SigningEvent.objects.get().user == colleague


def test_staff_see_who_is_pending_and_what_is_overdue(client, anna, manager):
    document = pdf_document(company=company_of(anna), contact=anna.contact, title="Late contract")
    sig_request = requested(document, client_contact=anna.contact, staff_user=manager)
    SignatureRequest.objects.filter(pk=sig_request.pk).update(
        deadline=timezone.localdate() - timezone.timedelta(days=1)
    )
    client.force_login(manager)
    body = client.get(reverse("signing_staff:queue") + "?show=pending").content.decode()
    assert "Late contract" in body and "overdue" in body
    mine = client.get(reverse("signing_staff:queue") + "?show=mine").content.decode()
    assert "Late contract" in mine


def test_the_dashboard_card_links_the_signer_straight_to_the_signing_step(client, anna):
    """The card is one click from signing for the signer; a company admin who only sees a colleague's
    document is sent to its page (the sign page would answer 404 to him)."""
    company = company_of(anna)
    colleague = f.client_user(company=company, email="colleague@example.test")
    mine = pdf_document(company=company, contact=anna.contact, title="Anna signs this")
    requested(mine, client_contact=anna.contact)
    theirs = pdf_document(company=company, contact=colleague.contact, title="The colleague signs this")
    requested(theirs, client_contact=colleague.contact)
    client.force_login(anna)
    body = client.get(reverse("portal:home")).content.decode()
    assert f'href="{reverse("signing:sign", args=[mine.public_id])}"' in body
    assert f'href="{reverse("documents:detail", args=[theirs.public_id])}"' in body
    assert reverse("signing:sign", args=[theirs.public_id]) not in body
    client.force_login(colleague)
    body = client.get(reverse("portal:home")).content.decode()
    assert f'href="{reverse("signing:sign", args=[theirs.public_id])}"' in body
