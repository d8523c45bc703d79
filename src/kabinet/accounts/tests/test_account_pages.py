"""Account pages: overview, identities, sessions, email/phone/password changes, deletion, data export."""

from __future__ import annotations

import contextlib
import io
import json
import time
import zipfile
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse
from django.utils import translation

from kabinet.accounts.models import User
from kabinet.accounts.tests.conftest import code_in, english_client
from kabinet.core.models import AuditEntry
from kabinet.crm.models import Contact, ContactEmail, ContactPhone, Order
from kabinet.testing import factories as f

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


@pytest.fixture
def person():
    company = f.CompanyFactory(name="ООО «Своя»")
    user = f.client_user(company=company, email="me@example.test")
    ContactPhone.objects.create(contact=user.contact, phone="+79161234567")
    return user


@contextlib.contextmanager
def after_the_reauthentication_window():
    """Requests inside run 400 s after now: past allauth's 5-minute window, within the idle timeout."""
    with mock.patch("time.time", return_value=time.time() + 400):
        yield


def signed_in(user) -> object:
    client = english_client()
    client.post(LOGIN, {"login": user.email, "password": f.PASSWORD, "action": "password"})
    assert client.session[SESSION_KEY] == str(user.pk)
    return client


@pytest.mark.parametrize(
    "name", ["accounts:overview", "accounts:identities", "accounts:sessions", "accounts:export"]
)
def test_account_pages_open_within_the_query_budget(person, name, django_assert_max_num_queries):
    client = signed_in(person)
    with django_assert_max_num_queries(10):
        response = client.get(reverse(name))
    assert response.status_code == 200


def test_overview_and_identities_show_every_way_in(person):
    client = signed_in(person)
    page = client.get(reverse("accounts:overview")).content.decode()
    assert "me@example.test" in page and "Download my data" in page and "Delete my account" in page
    page = client.get(reverse("accounts:identities")).content.decode()
    assert "me@example.test" in page and "+79161234567" in page and "on your client card" in page


def test_sign_out_everywhere_else_ends_the_other_sessions(person):
    laptop, phone = signed_in(person), signed_in(person)
    page = laptop.get(reverse("accounts:sessions")).content.decode()
    assert "This device" in page and "Sign out everywhere else" in page
    laptop.post(reverse("accounts:sessions"))
    assert phone.get("/").status_code == 302  # the other device is signed out on the server
    assert laptop.get("/").status_code == 200
    assert AuditEntry.objects.get(event="auth.other_sessions_ended").data["count"] == 1


IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1"
)
WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 "
    "Safari/537.36"
)


def signed_in_from(user, user_agent: str, ip: str):
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    client.post(LOGIN, {"login": user.email, "password": f.PASSWORD, "action": "password"})
    assert client.session[SESSION_KEY] == str(user.pk)
    return client


def test_user_agents_read_as_device_system_and_browser():
    from kabinet.accounts.sessions import describe_user_agent

    phone = describe_user_agent(IPHONE)
    assert (phone.kind, phone.device, phone.system, phone.browser) == (
        "phone",
        "iPhone",
        "iOS 17.4",
        "Mobile Safari 17.4",
    )
    desktop = describe_user_agent(WINDOWS_CHROME)
    assert (desktop.kind, desktop.system, desktop.browser) == ("computer", "Windows 10", "Chrome 130.0")
    unknown = describe_user_agent("")
    with translation.override("en"):  # every test starts in the portal's default language (Russian)
        assert unknown.kind == "unknown" and unknown.label == "Unknown browser"
    assert describe_user_agent("x" * 100_000).kind in {
        "unknown",
        "computer",
    }  # long strings are cut, no error


def test_sessions_page_shows_device_browser_place_and_last_activity(person):
    signed_in_from(person, IPHONE, "203.0.113.7")
    laptop = signed_in_from(person, WINDOWS_CHROME, "198.51.100.4")
    page = laptop.get(reverse("accounts:sessions")).content.decode()
    assert "iPhone" in page and "iOS 17.4" in page and "Mobile Safari 17.4" in page
    assert "Chrome 130.0" in page and "Windows 10" in page
    assert "203.0.113.7" in page and "198.51.100.4" in page
    assert "Last activity" in page and "Phone" in page and "Computer" in page
    assert IPHONE not in page  # the raw string is not shown
    from allauth.usersessions.models import UserSession

    for key in UserSession.objects.values_list("session_key", flat=True):
        assert key not in page  # a session key never reaches a page


def test_ending_one_chosen_session_leaves_the_others(person):
    phone = signed_in_from(person, IPHONE, "203.0.113.7")
    tablet = signed_in_from(
        person, "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) Safari/604.1", "203.0.113.8"
    )
    laptop = signed_in_from(person, WINDOWS_CHROME, "198.51.100.4")
    rows = laptop.get(reverse("accounts:sessions")).context["sessions"]
    chosen = next(row for row in rows if row.device.device == "iPhone")
    response = laptop.post(reverse("accounts:sessions"), {"action": "end_one", "session": chosen.handle})
    assert response.status_code == 302
    assert phone.get("/").status_code == 302  # the iPhone is signed out on the server
    assert tablet.get("/").status_code == 200 and laptop.get("/").status_code == 200
    entry = AuditEntry.objects.get(event="auth.other_sessions_ended")
    assert entry.data == {**entry.data, "count": 1, "reason": "chosen"}


def test_a_session_that_is_not_mine_answers_404(person):
    from kabinet.accounts.sessions import session_handle

    stranger = signed_in(f.client_user(company=None, email="stranger@example.test"))
    laptop = signed_in(person)
    foreign = session_handle(stranger.session.session_key)
    for handle in (foreign, "not-a-handle", "x" * 5000, session_handle(laptop.session.session_key)):
        response = laptop.post(reverse("accounts:sessions"), {"action": "end_one", "session": handle})
        assert response.status_code == 404
    assert stranger.get("/").status_code == 200


def test_sessions_page_costs_the_same_queries_with_many_sessions(person):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    laptop = signed_in(person)
    laptop.get(reverse("accounts:sessions"))
    with CaptureQueriesContext(connection) as few:
        laptop.get(reverse("accounts:sessions"))
    for n in range(6):
        signed_in_from(person, IPHONE, f"203.0.113.{n + 10}")
    laptop.get(reverse("accounts:sessions"))
    with CaptureQueriesContext(connection) as many:
        page = laptop.get(reverse("accounts:sessions"))
    assert len(page.context["sessions"]) == 7
    assert len(many.captured_queries) == len(few.captured_queries)


def test_change_email_asks_again_who_you_are_then_verifies_the_new_address(person):
    client = signed_in(person)
    with after_the_reauthentication_window():
        response = client.post(reverse("account_email"), {"action_add": "", "email": "new@example.test"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": f.PASSWORD})
    response = client.post(reverse("account_email"), {"action_add": "", "email": "new@example.test"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.email == "me@example.test"  # not before the new address is proved
    code = code_in(mail.outbox[-1].body)
    assert mail.outbox[-1].to == ["new@example.test"]
    client.post(reverse("account_email_verification_sent"), {"code": code})
    person.refresh_from_db()
    assert person.email == "new@example.test"
    assert EmailAddress.objects.get(user=person, email="new@example.test").verified
    assert ContactEmail.objects.filter(contact=person.contact, email="new@example.test").exists()


def test_change_phone_verifies_the_new_number_by_sms(person, sms_outbox):
    client = signed_in(person)
    response = client.post(reverse("account_change_phone"), {"phone": "+7 926 555-44-33"})
    assert response.status_code == 302
    assert sms_outbox[-1].to == "+79265554433"
    client.post(reverse("account_verify_phone"), {"code": code_in(sms_outbox[-1].text)})
    person.refresh_from_db()
    assert person.phone == "+79265554433" and person.phone_verified_at is not None
    assert ContactPhone.objects.get(contact=person.contact, phone="+79265554433").verified_at is not None


def test_a_malformed_new_phone_is_a_field_error(person, sms_outbox):
    client = signed_in(person)
    bad = client.post(reverse("account_change_phone"), {"phone": "12"})
    assert bad.status_code == 200 and "This phone number does not exist" in bad.content.decode()
    assert not sms_outbox


def test_change_password_rejects_weak_ones(person):
    client = signed_in(person)
    url = reverse("account_change_password")
    weak = client.post(url, {"oldpassword": f.PASSWORD, "password1": "12345678", "password2": "12345678"})
    assert weak.status_code == 200 and "too common" in weak.content.decode()
    client.post(
        url, {"oldpassword": f.PASSWORD, "password1": "violet-river-97", "password2": "violet-river-97"}
    )
    person.refresh_from_db()
    assert person.check_password("violet-river-97")
    assert AuditEntry.objects.filter(event="auth.password_changed", actor=person).exists()


def test_delete_my_account_by_code_keeps_business_records(person):
    order = f.OrderFactory(company=None, contact=person.contact, title="Заказ остаётся")
    client = signed_in(person)
    url = reverse("accounts:delete")
    client.post(url, {"action": "send"})
    code = code_in(mail.outbox[-1].body)
    wrong = "000000" if code != "000000" else "111111"
    assert (
        "The code is not correct" in client.post(url, {"action": "confirm", "code": wrong}).content.decode()
    )
    assert User.objects.get(pk=person.pk).is_active
    response = client.post(url, {"action": "confirm", "code": code})
    assert response.status_code == 302 and SESSION_KEY not in client.session
    person.refresh_from_db()
    assert not person.is_active and "me@example.test" not in person.email and not person.has_usable_password()
    contact = (
        Contact.objects.get(pk=person.contact.pk)
        if hasattr(person, "contact")
        else Contact.objects.get(orders=order)
    )
    assert contact.user is None and not contact.emails.exists() and not contact.phones.exists()
    assert contact.last_name == ""
    assert Order.objects.filter(pk=order.pk, contact=contact).exists()  # the business keeps its records
    assert not EmailAddress.objects.filter(user=person).exists()
    assert AuditEntry.objects.filter(event="account.deleted").exists()
    assert (
        english_client()
        .post(LOGIN, {"login": "me@example.test", "password": f.PASSWORD, "action": "password"})
        .status_code
        == 200
    )


def test_an_expired_or_missing_delete_code_changes_nothing(person):
    client = signed_in(person)
    response = client.post(reverse("accounts:delete"), {"action": "confirm", "code": "123456"})
    assert "expired" in response.content.decode()
    assert User.objects.get(pk=person.pk).is_active


def test_download_my_data_is_a_zip_of_json_and_files(person, django_capture_on_commit_callbacks):
    colleague = f.client_user(company=person.contact.companies.get(), email="colleague@example.test")
    mine = f.OrderFactory(company=person.contact.companies.get(), contact=person.contact, title="Мой заказ")
    theirs = f.OrderFactory(
        company=person.contact.companies.get(), contact=colleague.contact, title="Чужой заказ"
    )
    f.ClientFileFactory(company=None, contact=person.contact, original_name="скан.pdf")
    client = signed_in(person)
    response = client.get(reverse("accounts:export_download"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = set(archive.namelist())
    assert {"account.json", "client_card.json", "orders.json", "files.json", "manifest.json"} <= names
    account = json.loads(archive.read("account.json"))
    assert account["account"]["email"] == "me@example.test"
    orders = archive.read("orders.json").decode()
    assert mine.title in orders and theirs.title not in orders  # his own data, not the company's
    file_name = next(n for n in names if n.startswith("files/"))
    assert archive.read(file_name).startswith(b"%PDF")
    assert AuditEntry.objects.filter(event="account.data_exported", actor=person).exists()


def test_download_asks_again_who_you_are_after_a_while(person):
    client = signed_in(person)
    with after_the_reauthentication_window():
        response = client.get(reverse("accounts:export_download"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate"))
