"""Sign-in by the phone on the deal (amoCRM's cabinet) for any connected CRM: no invitation, an SMS code,
the account made at the first sign-in and joined to the synced contact; no enumeration, limits hold."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.test import Client

from kabinet.accounts.models import User
from kabinet.accounts.tests.conftest import code_in
from kabinet.core.models import AuditEntry
from kabinet.crm.models import Contact, Order
from kabinet.sync import engine
from kabinet.sync.models import Connection
from kabinet.testing.crm import connected

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
CONFIRM = "/accounts/login/code/confirm/"
CONSENT = "/accounts/consent/"
PHONE = "+79161234567"


@pytest.fixture
def synced():
    """Anna's deal synced from a CRM whose connection allows sign-in by the phone on the deal."""
    crm, connection = connected()
    person = crm.add_contact("Анна", "Петрова", emails=["anna@romashka.test"], phones=["+7 916 123-45-67"])
    crm.add_deal("Поставка бумаги", pipeline_id="0", stage_id="NEW", amount="1500", contact_id=person.id)
    engine.pull(connection)
    Connection.objects.filter(pk=connection.pk).update(phone_sign_in=True)
    cache.clear()  # the rate limits of earlier tests
    return connection


def test_a_synced_contact_signs_in_by_sms_without_an_invitation(
    client, synced, sms_outbox, django_assert_max_num_queries
):
    response = client.post(LOGIN, {"login": "8 916 123-45-67", "action": "continue"})
    assert response.status_code == 302 and response["Location"].startswith(CONFIRM)
    assert [m.to for m in sms_outbox] == [PHONE]
    assert not User.objects.exists()  # no account until the code comes back

    response = client.post(CONFIRM, {"code": code_in(sms_outbox[0].text)})
    user = User.objects.get(phone=PHONE)
    assert response.status_code == 302 and client.session[SESSION_KEY] == str(user.pk)
    assert user.phone_verified_at is not None and not user.has_usable_password()  # proven by the code
    contact = Contact.objects.get(user=user)
    assert user.email == "anna@romashka.test" and contact.full_name.startswith("Анна")
    assert AuditEntry.objects.filter(event="account.enrolled_by_phone").count() == 1

    # the consent step first, and nothing else until it is accepted (pages, and the other pages' data)
    assert response["Location"] == CONSENT
    assert client.get("/orders/")["Location"] == CONSENT
    with django_assert_max_num_queries(10):  # the consent step's budget, as the other account pages
        page = client.get(CONSENT)
    assert page.status_code == 200 and 'name="consent_accepted"' in page.text
    assert "consent_accepted" in client.post(CONSENT, {}).context["form"].errors  # a translated field error
    with django_assert_max_num_queries(16):  # the acceptance, its audit, and the start page's redirect
        assert client.post(CONSENT, {"consent_accepted": "on"}).status_code == 302
    assert user.consents.count() == 1
    assert "Поставка бумаги" in client.get("/orders/").content.decode()

    # the second time he is simply known: no second account, no second consent step
    client.post("/accounts/logout/")
    client.post(LOGIN, {"login": PHONE, "action": "continue"})
    response = client.post(CONFIRM, {"code": code_in(sms_outbox[-1].text)})
    assert client.session[SESSION_KEY] == str(user.pk) and User.objects.count() == 1
    assert response["Location"] != CONSENT


def test_the_consent_step_waits_for_a_later_sign_in_when_skipped(client, synced, sms_outbox):
    client.post(LOGIN, {"login": PHONE, "action": "continue"})
    client.post(CONFIRM, {"code": code_in(sms_outbox[0].text)})
    client.post("/accounts/logout/")  # left without accepting
    client.post(LOGIN, {"login": PHONE, "action": "continue"})
    response = client.post(CONFIRM, {"code": code_in(sms_outbox[-1].text)})
    assert response["Location"] == CONSENT and client.get("/")["Location"] == CONSENT


def test_the_answer_is_the_same_whether_the_phone_is_known_or_not(synced, sms_outbox):
    Connection.objects.filter(pk=synced.pk).update(phone_sign_in=False)
    pages = []

    def attempt(number: str) -> None:
        browser = Client()  # a visitor of his own: no attempt of another one pending in the session
        response = browser.post(LOGIN, {"login": number, "action": "continue"})
        page = browser.get(CONFIRM)
        pages.append((response.status_code, response["Location"], page.status_code, "Code" in page.text))

    for number in ("+79161234567", "+79030001122"):  # synced but not allowed; unknown
        attempt(number)
    Connection.objects.filter(pk=synced.pk).update(phone_sign_in=True)
    attempt(PHONE)  # allowed: the code goes out
    assert len(set(pages)) == 1 and [m.to for m in sms_outbox] == [PHONE]
    assert not User.objects.exists()  # asking for a code makes no account


def test_a_wrong_code_signs_nobody_in_and_the_limits_hold(client, synced, sms_outbox, settings):
    client.post(LOGIN, {"login": PHONE, "action": "continue"})
    real = code_in(sms_outbox[0].text)
    for _ in range(settings.ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS):
        client.post(CONFIRM, {"code": "000000" if real != "000000" else "111111"})
    client.post(CONFIRM, {"code": real})  # too late: the attempt is over
    assert SESSION_KEY not in client.session
    assert not User.objects.exists()  # a code never proven leaves no account behind
    # asking again and again: allauth's per-number limit (3 a minute) stops the texts, and no accounts
    for _ in range(5):
        Client().post(LOGIN, {"login": PHONE, "action": "continue"})
    assert len(sms_outbox) == 3 and not User.objects.exists()


def test_a_number_on_two_synced_contacts_signs_nobody_in(client, synced, sms_outbox):
    from kabinet.crm.models import ContactPhone

    other = Contact.objects.create(first_name="Двойник")
    ContactPhone.objects.create(contact=other, phone=PHONE, verified_at=Order.objects.get().created_at)
    from kabinet.sync.models import Link

    Link.objects.create(connection=synced, kind=Link.Kind.CONTACT, crm_id="other", object_id=other.pk)
    client.post(LOGIN, {"login": PHONE, "action": "continue"})
    assert not sms_outbox and not User.objects.exists()
