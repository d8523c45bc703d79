"""A signature reaches the CRM as a timeline comment through the write-back outbox: on the deal of the
document's order when that order came from the CRM, else on the document's contact; the staff countersignature
too (a signature happens only in the portal), with the note that everyone has signed."""

from __future__ import annotations

import base64
import re
import secrets

import pytest
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from django.core import mail

from kabinet.crm import actions as crm_actions
from kabinet.crm.models import Order
from kabinet.signing import actions as signing
from kabinet.signing.tests.helpers import NOW, pdf_document, requested, verified_email
from kabinet.sync import engine
from kabinet.sync.models import Push
from kabinet.testing import factories as f
from kabinet.testing.crm import connected

pytestmark = pytest.mark.django_db

CONTEXT = signing.Context(ip_address="203.0.113.7", user_agent="Mobile Safari", time_zone="Europe/Moscow")


@pytest.fixture
def synced():
    crm, connection = connected()
    person = crm.add_contact("Анна", "Петрова", emails=["anna@romashka.test"], phones=["+7 916 123-45-67"])
    deal = crm.add_deal("Поставка", pipeline_id="0", stage_id="OFFER", amount="1500", contact_id=person.id)
    engine.pull(connection)
    order = Order.objects.get()
    user = f.UserFactory(email="anna@romashka.test")
    crm_actions.link_contact_user(actor=None, contact=order.contact, user=user)
    verified_email(user)
    return crm, person, deal, order, user


def client_signs(user, sig_request, capture):
    signer = signing.current_signer(sig_request)
    with capture(execute=True):
        attempt = signing.send_signing_code(actor=user, signer=signer, channel=signing.EMAIL, now=NOW)
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    return signing.sign(
        actor=user,
        signer=signer,
        attempt=attempt.attempt,
        code=code,
        context=CONTEXT,
        now=NOW,
        accept_consent=True,
    )


def test_a_signature_goes_to_the_deal_of_the_documents_order_and_the_countersignature_too(
    synced, django_capture_on_commit_callbacks
):
    crm, _person, deal, order, user = synced
    manager = f.StaffFactory(email="manager@example.test", full_name="Павел Менеджер")
    secret = base64.b32encode(secrets.token_bytes(20)).decode()
    Authenticator.objects.create(
        user=manager, type=Authenticator.Type.TOTP, data={"secret": get_mfa_adapter().encrypt(secret)}
    )
    document = pdf_document(company=order.company, contact=order.contact, title="Договор поставки")
    document.order = order
    document.save(update_fields=["order"])
    sig_request = requested(document, client_contact=order.contact, staff_user=manager)

    with django_capture_on_commit_callbacks(execute=True):
        assert client_signs(user, sig_request, django_capture_on_commit_callbacks) == "ok"
    [comment] = crm.comments
    assert comment["entity"] == "deal" and comment["entity_id"] == deal.id
    assert "Анна Петрова" in comment["text"]
    assert "Договор поставки" in comment["text"] and sig_request.signature_id in comment["text"]
    assert "подписан всеми" not in comment["text"]  # the CRM reads the portal's language

    with django_capture_on_commit_callbacks(execute=True):
        signing.countersign(
            actor=manager, signer=signing.current_signer(sig_request), context=CONTEXT, now=NOW
        )
    assert len(crm.comments) == 2
    last = crm.comments[-1]
    assert last["entity"] == "deal" and "Павел Менеджер" in last["text"]
    assert "Документ подписан всеми сторонами; PDF с печатью доступен в личном кабинете." in last["text"]
    assert list(Push.objects.values_list("status", flat=True)) == [Push.Status.SENT] * 2


def test_a_document_without_a_synced_order_goes_to_its_contact(synced, django_capture_on_commit_callbacks):
    crm, person, _deal, order, user = synced
    document = pdf_document(company=order.company, contact=order.contact, title="Согласие")
    sig_request = requested(document, client_contact=order.contact)
    with django_capture_on_commit_callbacks(execute=True):
        assert client_signs(user, sig_request, django_capture_on_commit_callbacks) == "ok"
    [comment] = crm.comments
    assert comment["entity"] == "contact" and comment["entity_id"] == person.id
    assert "подписан всеми сторонами" in comment["text"]


def test_nothing_goes_out_for_a_client_the_crm_does_not_know(django_capture_on_commit_callbacks):
    crm, _connection = connected()
    company = f.CompanyFactory()
    user = f.client_user(company=company, email="boris@example.test")
    verified_email(user)
    document = pdf_document(company=company, contact=user.contact)
    sig_request = requested(document, client_contact=user.contact)
    with django_capture_on_commit_callbacks(execute=True):
        assert client_signs(user, sig_request, django_capture_on_commit_callbacks) == "ok"
    assert not crm.comments and not Push.objects.exists()
