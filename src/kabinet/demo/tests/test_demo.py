"""The demo world and the ``kabinet demo`` command, end to end."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
from django.core.exceptions import ValidationError

from kabinet.accounts.models import User
from kabinet.billing.models import Invoice
from kabinet.crm.models import Company, Membership, Order, Stage
from kabinet.demo.data import DEMO_PASSWORD, load_demo
from kabinet.documents.models import Document
from kabinet.files.models import ClientFile
from kabinet.testing.servers import free_port
from kabinet.tickets.models import Ticket, TicketMessage


@pytest.mark.django_db
def test_demo_world_is_complete_and_valid():
    load_demo()
    load_demo()  # a second call changes nothing
    emails = set(User.objects.values_list("email", flat=True))
    assert {f"{n}@demo.kabinet.test" for n in ("anna", "ivan", "boris", "manager", "admin")} <= emails
    anna = User.objects.get(email="anna@demo.kabinet.test")
    assert anna.check_password(DEMO_PASSWORD)
    assert anna.contact.memberships.get().role == Membership.Role.ADMIN
    ivan = User.objects.get(email="ivan@demo.kabinet.test")
    assert ivan.contact.memberships.get().company == anna.contact.memberships.get().company
    assert ivan.contact.memberships.get().role == Membership.Role.MEMBER
    boris = User.objects.get(email="boris@demo.kabinet.test")
    assert boris.contact.memberships.get().company.name == "ООО «Северный ветер»"
    assert User.objects.get(email="manager@demo.kabinet.test").is_staff
    assert User.objects.get(email="admin@demo.kabinet.test").is_superuser
    for company in Company.objects.all():
        try:
            company.full_clean()
        except ValidationError as error:  # pragma: no cover - the message says which number is wrong
            pytest.fail(f"{company}: {error}")
    for account in Company.objects.get(name="ООО «Ромашка»").bank_accounts.all():
        account.full_clean()
    used_stages = set(Order.objects.values_list("stage__kind", flat=True))
    assert used_stages == {Stage.Kind.OPEN, Stage.Kind.WON, Stage.Kind.LOST}
    assert (
        Order.objects.values("stage").distinct().count()
        == Stage.objects.filter(pipeline__kind="order").count()
    )
    assert Ticket.objects.count() >= 3 and TicketMessage.objects.filter(is_internal=True).exists()
    assert Document.objects.filter(status=Document.Status.AWAITING_SIGNATURE).exists()
    assert set(Document.objects.values_list("kind", flat=True)) >= {"contract", "act", "reconciliation"}
    assert {Invoice.Status.PAID, Invoice.Status.UNPAID} <= set(
        Invoice.objects.values_list("status", flat=True)
    )
    assert any(i.is_overdue for i in Invoice.objects.all())
    from kabinet.payments.models import Payment, PaymentSettings

    options = PaymentSettings.current()
    assert options.has_bank_details and options.allow_partial and options.paid_stage is not None
    paid = Invoice.objects.filter(status=Invoice.Status.PAID)
    assert paid.exists() and Payment.objects.filter(status="succeeded").count() == paid.count()
    assert ClientFile.objects.filter(direction=ClientFile.Direction.FROM_CLIENT).exists()
    assert all(f.file.read(5) == b"%PDF-" for f in ClientFile.objects.filter(content_type="application/pdf"))


def _get(opener, url):
    with opener.open(url, timeout=10) as response:
        return response.status, response.read().decode()


def _sign_in(base: str, email: str, then: str = "") -> tuple[int, str]:
    """Sign in through the sign-in page; answer the start page, or the page at ``then`` afterwards."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    _get(opener, base + "/accounts/login/")
    token = next(c.value for c in jar if c.name == "csrftoken")
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "login": email, "password": DEMO_PASSWORD, "action": "password"}
    ).encode()
    request = urllib.request.Request(base + "/accounts/login/", data=data, headers={"Referer": base + "/"})
    with opener.open(request, timeout=10) as response:
        answer = response.status, response.read().decode()
    return _get(opener, base + then) if then else answer


@pytest.mark.slow
def test_demo_command_serves_the_portal_with_demo_data(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KABINET_", "DATABASE_URL", "REDIS_URL"))}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "kabinet.cli", "demo", "--port", str(port), "--data-dir", str(tmp_path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                status, body = _get(urllib.request.build_opener(), base + "/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, process.stdout.read()
            assert time.monotonic() < deadline, "the demo did not start in time"
            time.sleep(0.5)
        assert '"jobs": "ok"' in body
        status, anna_home = _sign_in(base, "anna@demo.kabinet.test")
        assert status == 200 and "ООО «Ромашка»" in anna_home
        status, anna_list = _sign_in(base, "anna@demo.kabinet.test", then="/orders/")
        status, ivan_list = _sign_in(base, "ivan@demo.kabinet.test", then="/orders/")
        anna_orders = set(re.findall(r"№(\d{5})", anna_list))
        ivan_orders = set(re.findall(r"№(\d{5})", ivan_list))
        assert ivan_orders and ivan_orders < anna_orders  # the admin sees the company, the member his own
        status, boris_list = _sign_in(base, "boris@demo.kabinet.test", then="/orders/")
        assert not set(re.findall(r"№(\d{5})", boris_list)) & anna_orders
        # the data folder is the demo's: `kabinet shell` with KABINET_DATA_DIR sees the same database
        shell = subprocess.run(
            [
                sys.executable,
                "-m",
                "kabinet.cli",
                "shell",
                "--no-imports",
                "-c",
                "from kabinet.crm.models import Order; print(Order.objects.count())",
            ],
            env={**env, "KABINET_DATA_DIR": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert shell.stdout.strip() == "12", shell.stderr
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
    assert "anna@demo.kabinet.test" in output and "kabinet-demo" in output
    assert (tmp_path / "kabinet.sqlite3").exists() and (tmp_path / "jobs.sqlite3").exists()


def test_the_demo_port_becomes_the_site_url_of_every_link(settings, monkeypatch):
    """Links in emails pointed to :8000 while the demo ran on another port."""
    from kabinet.demo.management.commands.demo import serve_site_url
    from kabinet.notifications.rendering import absolute_url

    monkeypatch.setenv("KABINET_SITE_URL", "")  # restored after the test, whatever the command sets
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert serve_site_url("127.0.0.1", 8123) == "http://127.0.0.1:8123"
    assert absolute_url("/orders/") == "http://127.0.0.1:8123/orders/"
    assert os.environ["KABINET_SITE_URL"] == "http://127.0.0.1:8123"  # the job consumer inherits it
    monkeypatch.setenv("KABINET_SITE_URL", "")
    assert serve_site_url("0.0.0.0", 8124) == "http://127.0.0.1:8124"  # noqa: S104
    monkeypatch.setenv("KABINET_SITE_URL", "https://demo.example.com/")  # set by hand: it wins
    settings.SITE_URL = "https://demo.example.com"
    assert serve_site_url("127.0.0.1", 8125) == "https://demo.example.com"
    assert absolute_url("/") == "https://demo.example.com/"
