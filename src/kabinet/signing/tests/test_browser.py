"""The signing journey in a real browser on a 360 px screen: Anna follows the dashboard card
straight to the signing step, signs it with a code from her email, the manager countersigns with his authenticator app, both get the sealed
PDF, and pyHanko's validator reports the seal intact. No serious axe-core violation on the signing page."""

from __future__ import annotations

import base64
import re
import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Permission
from django.core import mail

from kabinet.crm.models import Membership
from kabinet.signing import seal
from kabinet.signing.models import SignatureRequest
from kabinet.signing.tests.helpers import pdf_document, requested, verified_email
from kabinet.testing import factories as f
from kabinet.testing.browser import MOBILE, assert_accessible, open_session_as, screenshot, sign_in
from kabinet.testing.totp import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def journey(db):
    company = f.CompanyFactory(name="Romashka LLC")
    anna = f.client_user(
        company=company, role=Membership.Role.ADMIN, email="anna@example.test", full_name="Anna"
    )
    verified_email(anna)
    manager = f.StaffFactory(email="manager@example.test", full_name="Maria Manager")
    manager.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="signing", codename="view_signaturerequest")
    )
    secret = base64.b32encode(secrets.token_bytes(20)).decode()
    Authenticator.objects.create(
        user=manager, type=Authenticator.Type.TOTP, data={"secret": get_mfa_adapter().encrypt(secret)}
    )
    document = pdf_document(company=company, contact=anna.contact, title="Service contract 15")
    sig_request = requested(document, actor=manager, client_contact=anna.contact, staff_user=manager)
    return anna, manager, secret, sig_request


def test_anna_signs_on_a_phone_and_the_manager_countersigns(live_url, browser, journey):
    anna, manager, secret, sig_request = journey
    context = browser.new_context(viewport=MOBILE, locale="en-US", accept_downloads=True)
    page = context.new_page()
    sign_in(page, live_url, anna.email, f.PASSWORD)

    # the dashboard card leads straight to the signing step: one click, then the code (≤ 2 clicks to signing)
    page.locator('[data-card="documents"]').get_by_role("link", name="Service contract 15").click()
    page.wait_for_url(re.compile(r".*/sign/$"))
    assert sig_request.original_sha256 in page.locator("[data-statement]").inner_text()
    assert_accessible(page)
    page.get_by_label("I have read the document and confirm the statement above").check()
    page.get_by_role("button", name="Send me a code").click()
    page.locator("#code").wait_for()
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    page.get_by_label("Code from the message").fill(code)
    page.get_by_label("I accept the agreement on the simple electronic signature").check()
    assert_accessible(page)
    screenshot(page, "signing-code-360")
    page.get_by_role("button", name="Sign the document").click()
    page.get_by_text("You have signed this document.").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]

    # the manager countersigns with his authenticator code
    staff_context = browser.new_context(viewport=MOBILE, locale="en-US", accept_downloads=True)
    staff = staff_context.new_page()
    open_session_as(staff, live_url, manager)
    staff.goto(live_url + f"/staff/signatures/{sig_request.public_id}/")
    staff.get_by_label("Code from your authenticator app").fill(totp_code(secret))
    staff.get_by_role("button", name="Sign the document").click()
    staff.get_by_role("link", name="Download the signed PDF").wait_for()

    # both get the sealed PDF, and it validates
    sig_request.refresh_from_db()
    assert sig_request.status == SignatureRequest.Status.SIGNED
    with staff.expect_download() as staff_download:
        staff.get_by_role("link", name="Download the signed PDF").click()
    page.goto(live_url + f"/documents/{sig_request.document.public_id}/")
    with page.expect_download() as client_download:
        page.get_by_role("link", name="Download the signed PDF").click()
    for download in (staff_download.value, client_download.value):
        with open(download.path(), "rb") as handle:
            data = handle.read()
        # pyHanko's validator runs its own event loop: not inside Playwright's, so in a thread of its own.
        with ThreadPoolExecutor(max_workers=1) as pool:
            assert pool.submit(seal.check_seal, data, [sig_request.certificate_pem]).result().ok
    context.close()
    staff_context.close()
