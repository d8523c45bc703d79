"""A signing event is evidence: nothing edits or deletes it — not the model, not a queryset, not the admin."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kabinet.crm.models import Membership
from kabinet.signing import actions
from kabinet.signing.models import AppendOnlyError, SigningEvent
from kabinet.signing.tests.helpers import NOW, pdf_document, requested
from kabinet.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    company = f.CompanyFactory()
    user = f.client_user(company=company, role=Membership.Role.ADMIN)
    document = pdf_document(company=company, contact=user.contact)
    sig_request = requested(document, client_contact=user.contact)
    context = actions.Context(ip_address="198.51.100.1", user_agent="UA", time_zone="Europe/Moscow")
    actions.decline(actor=user, signer=sig_request.signers.get(), reason="Not now", context=context, now=NOW)
    return SigningEvent.objects.get()


def test_saving_an_event_again_is_refused(event):
    event.reason = "edited"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.save(update_fields=["reason"])
    assert SigningEvent.objects.get().reason == "Not now"


def test_deleting_an_event_is_refused(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        SigningEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        SigningEvent.objects.filter(pk=event.pk).delete()
    assert SigningEvent.objects.count() == 1


def test_bulk_writes_are_refused(event):
    with pytest.raises(AppendOnlyError):
        SigningEvent.objects.filter(pk=event.pk).update(reason="edited")
    event.reason = "edited"
    with pytest.raises(AppendOnlyError):
        SigningEvent.objects.bulk_update([event], ["reason"])
    with pytest.raises(AppendOnlyError):
        SigningEvent.objects.update_or_create(pk=event.pk, defaults={"reason": "edited"})
    assert SigningEvent.objects.get().reason == "Not now"


def test_the_admin_cannot_change_or_delete_an_event_even_as_superuser(event):
    admin = f.StaffFactory(is_superuser=True)
    client = Client()
    client.force_login(admin)
    change = reverse("admin:signing_signingevent_change", args=[event.pk])
    page = client.get(change)
    assert page.status_code == 200 and 'name="reason"' not in page.content.decode()  # read-only view
    assert client.post(change, {"reason": "edited"}).status_code == 403
    assert (
        client.post(
            reverse("admin:signing_signingevent_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    changelist = reverse("admin:signing_signingevent_changelist")
    client.post(changelist, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"})
    assert client.get(reverse("admin:signing_signingevent_add")).status_code == 403
    assert SigningEvent.objects.get().reason == "Not now"


def test_the_data_export_holds_the_evidence_and_deleting_the_account_keeps_it(event):
    from kabinet.accounts.actions import delete_account
    from kabinet.signing.personal_data import export

    user = event.user
    (part,) = export(user)
    assert part.records[0]["signature_id"] == event.request.signature_id
    assert part.records[0]["ip_address"] == "198.51.100.1"
    assert any(item.path.endswith("-audit-log.txt") and b"Not now" in item.read() for item in part.files)
    delete_account(actor=user, user=user)
    kept = SigningEvent.objects.get()
    assert kept.reason == "Not now" and kept.signer_name == event.signer_name
