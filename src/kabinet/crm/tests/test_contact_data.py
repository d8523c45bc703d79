"""One truth for a person's emails and phones (issue 19 M2, issue 10 item 7): the contact owns them; what a
client adds is unverified until a code proves it; sign-in uses only verified ones; staff see conflicts."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kabinet.accounts.tests.conftest import code_in
from kabinet.core.models import AuditEntry
from kabinet.crm.models import ContactEmail, ContactPhone
from kabinet.crm.tests.test_portal_my_data import contact_form
from kabinet.testing import factories as f
from kabinet.testing.matrix import Role

pytestmark = pytest.mark.django_db


def add_details(client, user, *, email2: str = "", phone: str = "") -> None:
    contact = user.contact
    data = contact_form(
        **{
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "emails-INITIAL_FORMS": "1",
            "emails-0-email": user.email,
            "emails-1-email": email2,
            "phones-0-phone": phone,
        }
    )
    assert client.post(reverse("crm:profile_edit"), data).status_code == 302


def test_a_second_email_is_unconfirmed_until_its_code_then_it_signs_in(world):
    owner = world.user(Role.OWNER)
    client = world.client_for(Role.OWNER)
    add_details(client, owner, email2="Second@Example.test")
    row = ContactEmail.objects.get(contact=owner.contact, email="second@example.test")
    assert row.verified_at is None
    assert not EmailAddress.objects.filter(email__iexact="second@example.test").exists()
    for page in (reverse("crm:profile"), reverse("accounts:identities")):
        assert "not confirmed" in client.get(page).content.decode(), page

    mail.outbox.clear()
    sent = client.post(reverse("crm:verify_address"), {"address": "second@example.test"})
    assert sent["Location"] == reverse("crm:verify_address")
    [message] = mail.outbox
    assert message.to == ["second@example.test"]
    wrong = client.post(
        reverse("crm:verify_address"), {"code": "000000" if "000000" not in message.body else "111111"}
    )
    assert wrong.status_code == 400 and "The code is not right" in wrong.content.decode()
    done = client.post(reverse("crm:verify_address"), {"code": code_in(message.body)})
    assert done["Location"] == reverse("crm:profile")
    row.refresh_from_db()
    assert row.verified_at is not None
    assert EmailAddress.objects.get(email="second@example.test").user == owner

    fresh = Client()  # the identities page said every address leads to one account: now it does
    fresh.post(
        reverse("accounts:login"),
        {"login": "second@example.test", "password": f.PASSWORD, "action": "password"},
    )
    assert fresh.session.get(SESSION_KEY) == str(owner.pk)


def test_a_code_goes_only_to_an_unconfirmed_address_of_my_own(world):
    other_email = world.user(Role.OTHER_CLIENT).email
    client = world.client_for(Role.OWNER)
    mail.outbox.clear()
    response = client.post(reverse("crm:verify_address"), {"address": other_email})
    assert response["Location"] == reverse("crm:profile") and not mail.outbox
    huge = client.post(reverse("crm:verify_address"), {"address": "x" * 100_000})
    assert huge.status_code == 302 and not mail.outbox


def test_someone_elses_verified_number_is_refused_and_staff_see_the_conflict(world, sms_outbox, admin_client):
    anna = world.user(Role.OWNER)
    ContactPhone.objects.create(contact=anna.contact, phone="+79161234567", verified_at=timezone.now())
    boris = world.user(Role.OTHER_CLIENT)
    boris_client = world.client_for(Role.OTHER_CLIENT)
    add_details(boris_client, boris, phone="+7 916 123-45-67")
    assert ContactPhone.objects.get(contact=boris.contact).verified_at is None

    boris_client.post(reverse("crm:verify_address"), {"address": "+79161234567"})
    [text] = sms_outbox  # the code goes to the number itself: only its owner can read it
    assert text.to == "+79161234567"
    response = boris_client.post(reverse("crm:verify_address"), {"code": code_in(text.text)})
    assert response["Location"] == reverse("crm:profile")  # even holding the code, he cannot take it over
    assert ContactPhone.objects.get(contact=boris.contact).verified_at is None
    assert "already signs in to another account" in boris_client.get(reverse("crm:profile")).content.decode()
    assert AuditEntry.objects.filter(event="contact.address_conflict").exists()

    page = admin_client.get(reverse("admin:crm_contact_change", args=[anna.contact.pk])).content.decode()
    assert "+79161234567" in page and boris.contact.full_name in page and "not confirmed there" in page
    listed = admin_client.get(reverse("admin:crm_contact_changelist"), {"conflict": "yes"}).content.decode()
    assert anna.contact.full_name in listed and boris.contact.full_name in listed
    assert world.user(Role.COLLEAGUE).contact.full_name not in listed


def test_a_proven_phone_of_my_own_becomes_my_sms_sign_in(world, sms_outbox):
    owner = world.user(Role.OWNER)
    client = world.client_for(Role.OWNER)
    add_details(client, owner, phone="+7 903 111-22-33")
    client.post(reverse("crm:verify_address"), {"address": "+79031112233"})
    client.post(reverse("crm:verify_address"), {"code": code_in(sms_outbox[-1].text)})
    assert ContactPhone.objects.get(contact=owner.contact, phone="+79031112233").verified_at is not None
    sms_outbox.clear()
    fresh = Client()
    fresh.post(reverse("accounts:login"), {"login": "+79031112233", "action": "continue"})
    assert [m.to for m in sms_outbox] == ["+79031112233"]
    assert "SMS sign-in" in client.get(reverse("accounts:identities")).content.decode()


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(f.StaffFactory(is_superuser=True))
    return client
