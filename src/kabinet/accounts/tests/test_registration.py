"""Registration modes, consent, matching to an existing contact, invitations; bad input creates nothing."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

from kabinet.accounts import actions
from kabinet.accounts.models import (
    ConsentAcceptance,
    ConsentText,
    Invitation,
    RegistrationMode,
    SignInSettings,
    User,
)
from kabinet.accounts.tests.conftest import code_in
from kabinet.core.models import AuditEntry
from kabinet.crm.models import Contact, ContactEmail, ContactPhone
from kabinet.testing import factories as f

pytestmark = pytest.mark.django_db
SIGNUP = "/accounts/signup/"


def open_registration(**extra) -> SignInSettings:
    return SignInSettings.objects.create(pk=1, registration_mode=RegistrationMode.OPEN, **extra)


def signup_data(**overrides) -> dict:
    return {
        "full_name": "Пётр Сидоров",
        "email": "petr@example.test",
        "phone": "",
        "password1": "orange-kettle-42",
        "password2": "orange-kettle-42",
        "consent_accepted": "on",
        **overrides,
    }


def test_invite_only_is_the_default_and_shows_no_sign_up_form(client):
    page = client.get(SIGNUP).content.decode()
    assert "Sign-up is by invitation" in page and 'name="password1"' not in page
    client.post(SIGNUP, signup_data())
    assert not User.objects.exists()
    assert "Create an account" not in client.get("/accounts/login/").content.decode()


def test_closed_registration_refuses_sign_up_and_invitations(client, django_capture_on_commit_callbacks):
    SignInSettings.objects.create(pk=1, registration_mode=RegistrationMode.CLOSED)
    client.post(SIGNUP, signup_data())
    assert not User.objects.exists()
    contact = f.ContactEmailFactory(email="inv@example.test").contact
    with django_capture_on_commit_callbacks(execute=True):
        actions.invite_contacts(actor=None, contact_public_ids=[contact.public_id])
    token = re.search(r"/accounts/invitation/([^/]+)/", mail.outbox[0].body).group(1)
    assert client.get(reverse("accounts:accept_invitation", args=[token])).status_code == 404


def test_self_registration_signs_in_after_the_email_code_and_joins_the_known_contact(client):
    open_registration()
    ConsentText.objects.create(sign_in_settings_id=1, language="en", text="I agree (text v1).")
    known = f.ContactFactory(first_name="Пётр")
    ContactEmail.objects.create(contact=known, email="petr@example.test")
    earlier = f.OrderFactory(contact=known, company=None, title="Заказ до регистрации")
    page = client.get(SIGNUP).content.decode()
    assert "I agree (text v1)." in page
    response = client.post(SIGNUP, signup_data(email="Petr@Example.test"))
    assert response.status_code == 302
    assert SESSION_KEY not in client.session  # not before the address is proved
    code = code_in(mail.outbox[-1].body)
    response = client.post(response["Location"], {"code": code})
    assert response.status_code == 302
    user = User.objects.get(email="petr@example.test")
    assert client.session[SESSION_KEY] == str(user.pk)  # signed in straight away
    known.refresh_from_db()
    assert known.user == user  # matched by the verified email
    assert earlier.title in client.get("/").content.decode()  # his earlier order appears at once
    consent = ConsentAcceptance.objects.get(user=user)
    assert (consent.version, consent.text, consent.language) == (1, "I agree (text v1).", "en")
    assert consent.accepted_at is not None
    assert EmailAddress.objects.get(user=user).verified
    assert AuditEntry.objects.filter(event="account.matched_contact", actor=user).exists()


def test_self_registration_without_a_known_contact_becomes_a_new_contact(client):
    open_registration()
    response = client.post(SIGNUP, signup_data())
    client.post(response["Location"], {"code": code_in(mail.outbox[-1].body)})
    user = User.objects.get(email="petr@example.test")
    contact = Contact.objects.get(user=user)
    assert contact.first_name == "Пётр" and contact.last_name == "Сидоров"
    assert contact.emails.get().verified_at is not None


def test_an_unverified_email_never_joins_a_contact(client):
    """Typing someone's email without proving it must not expose his orders."""
    open_registration()
    known = f.ContactFactory()
    ContactEmail.objects.create(contact=known, email="petr@example.test")
    client.post(SIGNUP, signup_data())
    known.refresh_from_db()
    assert known.user is None
    assert not Contact.objects.filter(user__email="petr@example.test").exists()


def test_a_verified_phone_joins_the_contact_that_has_it(client, sms_outbox):
    open_registration()
    known = f.ContactFactory()
    ContactPhone.objects.create(contact=known, phone="+79261112233")
    response = client.post(SIGNUP, signup_data(phone="8 926 111-22-33"))
    response = client.post(response["Location"], {"code": code_in(sms_outbox[-1].text)})
    response = client.post(response["Location"], {"code": code_in(mail.outbox[-1].body)})
    known.refresh_from_db()
    user = User.objects.get(email="petr@example.test")
    assert known.user == user and user.phone == "+79261112233" and user.phone_verified_at


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password1": "password", "password2": "password"}, "too common"),
        ({"password1": "short", "password2": "short"}, "too short"),
        ({"password2": "another-kettle-42"}, "same password"),
        ({"phone": "12345"}, "phone"),
        ({"email": "not-an-email"}, "valid email"),
        ({"consent_accepted": ""}, "accept the consent text"),
    ],
)
def test_bad_sign_up_input_is_a_clear_message_and_creates_nothing(client, overrides, message):
    open_registration()
    response = client.post(SIGNUP, signup_data(**overrides))
    assert response.status_code == 200 and message in response.content.decode()
    assert not User.objects.exists() and not ConsentAcceptance.objects.exists()


def test_signing_up_with_a_taken_email_reveals_nothing_and_creates_nothing(client):
    open_registration()
    f.client_user(company=None, email="petr@example.test")
    response = client.post(SIGNUP, signup_data())
    assert response.status_code == 302  # the same "check your email" step as for a new address
    assert User.objects.filter(email="petr@example.test").count() == 1


def test_staff_invite_a_list_of_contacts_and_the_link_sets_up_the_login(
    client, django_capture_on_commit_callbacks
):
    one = f.ContactEmailFactory(email="one@example.test").contact
    two = f.ContactEmailFactory(email="two@example.test").contact
    nomail = f.ContactFactory()
    already = f.client_user(company=None, email="has@example.test").contact
    order = f.OrderFactory(contact=one, company=None, title="Заказ для приглашённого")
    with django_capture_on_commit_callbacks(execute=True):
        report = actions.invite_contacts(
            actor=None, contact_public_ids=[one.public_id, two.public_id, nomail.public_id, already.public_id]
        )
    assert len(report.sent) == 2 and len(report.skipped) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["one@example.test", "two@example.test"]
    message = next(m for m in mail.outbox if m.to == ["one@example.test"])
    link = re.search(r"http://\S+/accounts/invitation/\S+/", message.body).group(0)
    path = link.split("127.0.0.1:8000")[-1]
    assert (
        Invitation.objects.filter(token_hash__contains=path.split("/")[-2]).count() == 0
    )  # only a hash is kept
    page = client.get(path)
    assert page.status_code == 200 and "one@example.test" in page.content.decode()
    bad = client.post(
        path, {"full_name": "Один", "password1": "123", "password2": "123", "consent_accepted": "on"}
    )
    assert bad.status_code == 200 and not User.objects.filter(email="one@example.test").exists()
    response = client.post(
        path,
        {
            "full_name": "Один Первый",
            "password1": "orange-kettle-42",
            "password2": "orange-kettle-42",
            "consent_accepted": "on",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="one@example.test")
    assert client.session[SESSION_KEY] == str(user.pk)
    one.refresh_from_db()
    assert one.user == user and ConsentAcceptance.objects.filter(user=user).exists()
    assert order.title in client.get("/").content.decode()
    client.post(reverse("accounts:logout"))
    assert client.get(path).status_code == 404  # single use


def test_a_new_invitation_replaces_the_old_link_and_staff_can_revoke(
    client, django_capture_on_commit_callbacks
):
    contact = f.ContactEmailFactory(email="again@example.test").contact
    with django_capture_on_commit_callbacks(execute=True):
        actions.invite_contacts(actor=None, contact_public_ids=[contact.public_id])
        actions.invite_contacts(actor=None, contact_public_ids=[contact.public_id])
    first, second = (re.search(r"/accounts/invitation/[^/]+/", m.body).group(0) for m in mail.outbox)
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200
    actions.revoke_invitation(actor=None, invitation=Invitation.objects.get(revoked_at=None))
    assert client.get(second).status_code == 404


def test_the_contacts_admin_action_invites(client, django_capture_on_commit_callbacks):
    boss = f.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(boss)
    contact = f.ContactEmailFactory(email="adm@example.test").contact
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:crm_contact_changelist"),
            {"action": "invite_to_portal", admin.helpers.ACTION_CHECKBOX_NAME: [contact.pk]},
        )
    assert response.status_code == 302
    assert Invitation.objects.get().email == "adm@example.test"
    assert mail.outbox[0].to == ["adm@example.test"]


def test_staff_edit_the_consent_text_and_its_version_goes_up(client):
    boss = f.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(boss)
    SignInSettings.current()
    url = reverse("admin:accounts_signinsettings_change", args=[1])
    data = {
        "registration_mode": "open",
        "idle_timeout_minutes": "15",
        "absolute_lifetime_hours": "8",
        "consent_texts-TOTAL_FORMS": "1",
        "consent_texts-INITIAL_FORMS": "0",
        "consent_texts-MIN_NUM_FORMS": "0",
        "consent_texts-MAX_NUM_FORMS": "1000",
        "consent_texts-0-language": "ru",
        "consent_texts-0-text": "Я согласен.",
    }
    assert client.post(url, data).status_code == 302
    policy = SignInSettings.current()
    assert (policy.registration_mode, policy.idle_timeout_minutes, policy.consent_version) == ("open", 15, 2)
    assert actions.current_consent("ru").text == "Я согласен."
    assert actions.current_consent("ru").version == 2
    assert AuditEntry.objects.filter(event="settings.sign_in_changed").exists()
