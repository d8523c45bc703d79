"""Rate limits without a victim lockout, session lifetime, staff two-factor, the company choice, audit."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

from kabinet.accounts.models import SignInSettings
from kabinet.accounts.tests.conftest import code_in, english_client
from kabinet.core.models import AuditEntry
from kabinet.crm.models import Membership
from kabinet.testing import factories as f
from kabinet.testing.totp import totp_code

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
CONFIRM = "/accounts/login/code/confirm/"


def password_attempt(client, email, password, ip="10.0.0.1"):
    return client.post(
        LOGIN, {"login": email, "password": password, "action": "password"}, REMOTE_ADDR=ip
    ).content.decode()


def test_failed_passwords_pause_that_ip_for_that_account_only(client):
    f.client_user(company=None, email="victim@example.test")
    for _ in range(5):
        assert "The email or password is not correct." in password_attempt(
            client, "victim@example.test", "wrong-guess-1"
        )
    assert "Too many attempts" in password_attempt(client, "victim@example.test", "wrong-guess-1")
    # the attacker's IP is paused; the victim, from his own IP, signs in as usual
    victim = english_client()
    password_attempt(victim, "victim@example.test", f.PASSWORD, ip="10.9.9.9")
    assert SESSION_KEY in victim.session
    assert AuditEntry.objects.filter(event="auth.rate_limited").exists()


def test_an_account_under_attack_from_many_ips_still_signs_in_by_code(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed_account": "3/h/key"}
    f.client_user(company=None, email="target@example.test")
    for n in range(3):
        password_attempt(english_client(), "target@example.test", "wrong-guess-1", ip=f"10.1.0.{n}")
    assert "Too many attempts" in password_attempt(client, "target@example.test", f.PASSWORD, ip="10.2.0.1")
    # no lockout: the owner of the mailbox still gets in with a one-time code
    client.post(LOGIN, {"login": "target@example.test", "action": "code"}, REMOTE_ADDR="10.2.0.1")
    client.post(CONFIRM, {"code": code_in(mail.outbox[-1].body)}, REMOTE_ADDR="10.2.0.1")
    assert SESSION_KEY in client.session


def test_code_requests_are_limited_per_address(client):
    f.client_user(company=None, email="codes@example.test")
    for _ in range(3):
        english_client().post(LOGIN, {"login": "codes@example.test", "action": "code"})
    response = client.post(LOGIN, {"login": "codes@example.test", "action": "code"})
    assert response.status_code == 200 and "Too many attempts" in response.content.decode()
    assert len(mail.outbox) == 3


def test_sign_in_requests_are_limited_per_ip(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "2/m/ip"}
    for _ in range(2):
        client.post(LOGIN, {"login": "x@example.test", "action": "continue"})
    assert client.post(LOGIN, {"login": "x@example.test", "action": "continue"}).status_code == 429


def sign_in(client, user):
    client.post(LOGIN, {"login": user.email, "password": f.PASSWORD, "action": "password"})
    assert client.session[SESSION_KEY] == str(user.pk)


def test_idle_timeout_set_by_staff_signs_out_on_the_server(client):
    SignInSettings.objects.create(pk=1, idle_timeout_minutes=5)
    user = f.client_user(company=None, email="idle@example.test")
    sign_in(client, user)
    session_key = client.session.session_key
    assert client.get("/").status_code == 200
    with mock.patch("kabinet.accounts.session_policy.time.time", return_value=time.time() + 6 * 60):
        response = client.get("/orders/?page=2")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN + "?next=")
    from django.conf import settings as dj
    from django.contrib.sessions.backends.base import SessionBase
    from django.utils.module_loading import import_string

    store: SessionBase = import_string(dj.SESSION_ENGINE + ".SessionStore")(session_key)
    assert store.load() == {}  # gone from the store, not only from the cookie
    assert AuditEntry.objects.get(event="auth.session_expired").data["reason"] == "idle"


def test_a_background_fetch_of_an_expired_session_leaves_the_notice_for_the_next_page(client):
    SignInSettings.objects.create(pk=1, idle_timeout_minutes=5)
    user = f.client_user(company=None, email="idle-fetch@example.test")
    sign_in(client, user)
    with mock.patch("kabinet.accounts.session_policy.time.time", return_value=time.time() + 6 * 60):
        badges = client.get("/nav/badges/", headers={"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"})
    assert badges.status_code == 401
    page = client.get(LOGIN, follow=True)
    assert "You were signed out after a period of inactivity" in page.content.decode()


def test_activity_keeps_the_session_alive_until_the_absolute_lifetime(client):
    SignInSettings.objects.create(pk=1, idle_timeout_minutes=30, absolute_lifetime_hours=1)
    user = f.client_user(company=None, email="busy@example.test")
    sign_in(client, user)
    start = time.time()
    for minutes in (20, 40, 59):
        with mock.patch("kabinet.accounts.session_policy.time.time", return_value=start + minutes * 60):
            assert client.get("/").status_code == 200
    with mock.patch("kabinet.accounts.session_policy.time.time", return_value=start + 61 * 60):
        assert client.get("/").status_code == 302
    assert AuditEntry.objects.get(event="auth.session_expired").data["reason"] == "lifetime"


@pytest.mark.django_db(transaction=True)  # allauth announces the new authenticator on commit, in the request
def test_staff_must_set_up_two_factor_before_anything_else(client, settings):
    # allauth refuses a code it has just seen; accepting the next period's code avoids waiting 30 s for it
    settings.MFA_TOTP_TOLERANCE = 1
    staff = f.StaffFactory(email="staff2fa@example.test", is_superuser=True)
    client.post(LOGIN, {"login": staff.email, "password": f.PASSWORD, "action": "password"})
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/")["Location"] == reverse("accounts:mfa_setup")
    assert client.get(reverse("accounts:mfa_setup"))["Location"] == reverse("mfa_activate_totp")
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    assert client.get("/admin/").status_code == 200
    # from now on the password alone is not enough
    client.post(reverse("accounts:logout"))
    response = client.post(LOGIN, {"login": staff.email, "password": f.PASSWORD, "action": "password"})
    assert response["Location"] == reverse("mfa_authenticate") and SESSION_KEY not in client.session
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret, steps_ahead=1)})
    assert client.session[SESSION_KEY] == str(staff.pk)
    assert client.get("/admin/").status_code == 200  # this session passed the second factor at sign-in
    assert AuditEntry.objects.filter(event="auth.mfa_added", actor=staff).exists()


def test_the_back_office_login_is_the_portal_sign_in(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_a_client_of_several_companies_picks_one_after_sign_in(client):
    first, second = f.CompanyFactory(name="ООО «Альфа»"), f.CompanyFactory(name="ООО «Бета»")
    user = f.client_user(company=first, email="two@example.test")
    f.MembershipFactory(contact=user.contact, company=second, role=Membership.Role.ADMIN)
    mine = f.OrderFactory(company=second, contact=user.contact, title="Заказ в Бете")
    response = client.post(LOGIN, {"login": user.email, "password": f.PASSWORD, "action": "password"})
    assert response["Location"] == reverse("accounts:choose_company")
    page = client.get(response["Location"]).content.decode()
    assert "ООО «Альфа»" in page and "ООО «Бета»" in page
    client.post(reverse("portal:switch_company"), {"company": second.public_id})
    assert mine.title in client.get("/").content.decode()


def test_a_client_of_one_company_goes_straight_home(client):
    user = f.client_user(company=f.CompanyFactory(), email="one@example.test")
    response = client.post(LOGIN, {"login": user.email, "password": f.PASSWORD, "action": "password"})
    assert response["Location"] == "/"
    assert client.get(reverse("accounts:choose_company"))["Location"] == "/"
