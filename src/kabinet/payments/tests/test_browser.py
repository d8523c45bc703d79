"""Paying an overdue invoice in a real browser at 360 px: two clicks from the dashboard to the payment page,
then the sandbox's "Pay"; the invoice is paid, the order moves on, the client and his manager are told, the
points the bonus rule gives appear, and every page passes axe."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest

from kabinet.billing.models import Invoice
from kabinet.crm.models import Membership
from kabinet.payments.actions import save_payment_settings
from kabinet.payments.models import PaymentSettings
from kabinet.testing import factories as f
from kabinet.testing.browser import MOBILE, assert_accessible, open_session_as, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"], "scrolls sideways"


def test_a_client_pays_an_overdue_invoice_from_the_dashboard_in_two_clicks(live_url, browser, mailoutbox):
    from kabinet.notifications.models import Notification
    from kabinet.payments.models import AccountEntry

    company = f.CompanyFactory(name="Acme LLC")
    client = f.client_user(company=company, role=Membership.Role.ADMIN, email="client@example.test")
    manager = f.StaffFactory(email="manager@example.test")
    order = f.OrderFactory(company=company, contact=client.contact, manager=manager)
    in_work = f.StageFactory(pipeline=order.pipeline, client_name="In progress")
    save_payment_settings(
        actor=None,
        options=PaymentSettings(paid_stage=in_work, bonus_percent=Decimal("10")),
        changed_fields=["paid_stage", "bonus_percent"],
    )
    invoice = f.InvoiceFactory(
        company=company,
        contact=client.contact,
        order=order,
        due_date=datetime.date.today() - datetime.timedelta(days=3),
    )
    context = browser.new_context(viewport=MOBILE, locale="en-US")
    page = context.new_page()
    open_session_as(page, live_url, client)
    page.goto(live_url + "/")
    page.get_by_role("link", name=f"Pay invoice №{invoice.number}").click()  # click 1
    page.wait_for_url(re.compile(r".*/invoices/[A-Za-z0-9_-]{22}/pay/$"))
    no_sideways_scroll(page)
    assert_accessible(page)
    page.get_by_role("button", name="Go to payment").click()  # click 2: the provider's page
    page.wait_for_url(re.compile(r".*/pay/sandbox/sbx_[A-Za-z0-9_-]+/$"))
    assert page.get_by_text("9,900.00").first.is_visible()
    no_sideways_scroll(page)
    assert_accessible(page)
    page.get_by_role("button", name="Pay", exact=True).click()
    page.wait_for_url(re.compile(rf".*/invoices/{invoice.public_id}/$"))
    assert page.get_by_text("Thank you! The payment has been received.").is_visible()
    assert page.get_by_role("heading", name="Payments").is_visible()
    no_sideways_scroll(page)
    assert_accessible(page)
    screenshot(page, "payments-paid-invoice-360")
    invoice.refresh_from_db()
    order.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID and order.stage == in_work
    assert Notification.objects.filter(event="payment.succeeded", contact=client.contact).exists()
    assert [m for m in mailoutbox if m.to == ["manager@example.test"]]
    points = AccountEntry.objects.filter(kind="points", contact=client.contact, source="bonus_rule")
    assert [p.amount for p in points] == [Decimal("990.00")]  # 10 % of 9 900.00
    page.goto(live_url + "/account/balance/")
    assert page.get_by_text("990").first.is_visible()
    context.close()


def test_the_payment_slip_reads_at_360_px_and_passes_axe(live_url, browser):
    from kabinet.payments.tests.test_qr import payee

    company = f.CompanyFactory(name="Acme LLC")
    client = f.client_user(company=company, role=Membership.Role.ADMIN, email="slip@example.test")
    save_payment_settings(actor=None, options=payee(), changed_fields=["payee_name"])
    invoice = f.InvoiceFactory(company=company, contact=client.contact)
    context = browser.new_context(viewport=MOBILE, locale="en-US")
    page = context.new_page()
    open_session_as(page, live_url, client)
    page.goto(f"{live_url}/invoices/{invoice.public_id}/")
    page.get_by_role("link", name="Payment slip to print").click()
    page.wait_for_url(re.compile(rf".*/invoices/{invoice.public_id}/slip/$"))
    assert page.get_by_role("img", name="QR code with the payment details").is_visible()
    assert page.get_by_text("ООО «Ромашка»").is_visible()
    no_sideways_scroll(page)
    assert_accessible(page)
    screenshot(page, "payments-slip-360")
    context.close()
