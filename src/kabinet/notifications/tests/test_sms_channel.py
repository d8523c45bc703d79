"""The SMS channel delivers notices through the SMS provider facade: the provider staff chose (here the
offline memory provider) carries them. SMS.ru's refusals through this channel: integrations/tests/test_smsru.py."""

from __future__ import annotations

import pytest

from kabinet.core.notify import Notice, notify
from kabinet.crm.models import ContactPhone
from kabinet.notifications import actions
from kabinet.notifications.channels import get_channel
from kabinet.notifications.models import Delivery
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db


def test_a_notice_the_client_wants_by_sms_goes_through_the_sms_provider(
    world, sms_outbox, django_capture_on_commit_callbacks
):
    owner = world.user(Role.OWNER)
    ContactPhone.objects.create(contact=owner.contact, phone="+79161234567", is_primary=True)
    actions.set_preferences(
        actor=owner, contact_id=owner.contact.pk, choices={("invoice.issued", "sms"): True}
    )
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            Notice(
                event="invoice.issued",
                contact_id=owner.contact.pk,
                url="/invoices/x/",
                params={"number": "СЧ-7", "amount": "100", "currency": "RUB"},
            )
        )
    [text] = sms_outbox
    assert text.to == "+79161234567" and "СЧ-7" in text.text and text.text.endswith("/invoices/x/")
    assert text.purpose == "notice:invoice.issued" and text.sender == "Kabinet"
    delivery = Delivery.objects.get(channel="sms")
    assert delivery.status == Delivery.Status.SENT and delivery.provider_ref == "memory:memory-1"


def test_the_channel_says_it_is_offline_while_texts_stay_on_the_machine(settings):
    settings.KABINET_SMS_PROVIDER = ""
    assert get_channel("sms").offline  # nothing chosen: the file outbox
    settings.KABINET_SMS_PROVIDER = "smsru"
    assert not get_channel("sms").offline
