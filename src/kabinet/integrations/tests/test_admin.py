"""Back office: staff choose the SMS provider and enter its settings; secrets are stored encrypted and never
rendered again; bad settings are field errors; every change goes through the actions (audited)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kabinet.accounts.models import User
from kabinet.core.models import AuditEntry
from kabinet.core.providers.sms import registry
from kabinet.integrations.models import ProviderAccount
from kabinet.testing import factories as f

pytestmark = pytest.mark.django_db
SECRET = "F2D79B58-A5A2-2F9E-91C8-73D12CE2E102"


@pytest.fixture
def staff_client(client):
    client.force_login(f.UserFactory(is_staff=True, is_superuser=True, email="boss@example.test"))
    return client


def add(staff_client, **data):
    form = {
        "choice": "sms:smsru",
        "active": "on",
        "smsru__api_id": SECRET,
        "smsru__sender": "",
        "smsru__test": "",
    }
    form.update(data)
    return staff_client.post(reverse("admin:integrations_provideraccount_add"), form)


def test_the_add_form_offers_every_provider_with_its_settings(staff_client):
    page = staff_client.get(reverse("admin:integrations_provideraccount_add")).content.decode()
    assert 'value="sms:smsru"' in page and 'value="sms:file"' in page
    assert 'name="smsru__api_id"' in page and 'type="password"' in page


def test_choosing_smsru_stores_the_key_encrypted_and_makes_it_the_active_provider(settings, staff_client):
    settings.KABINET_SMS_PROVIDER = ""
    response = add(staff_client)
    assert response.status_code == 302
    account = ProviderAccount.objects.get()
    assert account.active and account.provider == "smsru" and SECRET not in account.credentials
    assert registry.active().id == "smsru" and registry.active().config["api_id"] == SECRET
    entry = AuditEntry.objects.get(event="integrations.provider_configured")
    assert entry.data["changed"] == ["api_id"] and SECRET not in str(entry.data)
    change = staff_client.get(reverse("admin:integrations_provideraccount_change", args=[account.pk]))
    assert change.status_code == 200 and SECRET not in change.content.decode()


def test_a_blank_secret_on_the_change_form_keeps_the_stored_one(staff_client):
    add(staff_client)
    account = ProviderAccount.objects.get()
    response = staff_client.post(
        reverse("admin:integrations_provideraccount_change", args=[account.pk]),
        {"active": "on", "smsru__api_id": "", "smsru__sender": "Romashka", "smsru__test": ""},
    )
    assert response.status_code == 302
    assert ProviderAccount.objects.get().config() == {"api_id": SECRET, "sender": "Romashka", "test": ""}


def test_a_missing_key_is_an_error_at_its_field(staff_client):
    response = add(staff_client, smsru__api_id="")
    assert response.status_code == 200
    assert "smsru__api_id" in response.context["adminform"].form.errors
    assert not ProviderAccount.objects.exists()


def test_switching_to_another_provider_leaves_one_active(staff_client):
    add(staff_client)
    assert add(staff_client, choice="sms:file").status_code == 302
    assert dict(ProviderAccount.objects.values_list("provider", "active")) == {"smsru": False, "file": True}


def test_the_list_shows_that_an_environment_pin_wins(settings, staff_client):
    add(staff_client)
    settings.KABINET_SMS_PROVIDER = "memory"
    page = staff_client.get(reverse("admin:integrations_provideraccount_changelist")).content.decode()
    assert "SMS.ru" in page and 'alt="False"' in page  # active, but not the one sending
    form = staff_client.get(reverse("admin:integrations_provideraccount_add")).content.decode()
    assert "KABINET_SMS_PROVIDER=memory" in form


def test_deleting_goes_through_the_action(staff_client):
    add(staff_client)
    account = ProviderAccount.objects.get()
    response = staff_client.post(
        reverse("admin:integrations_provideraccount_delete", args=[account.pk]), {"post": "yes"}
    )
    assert response.status_code == 302 and not ProviderAccount.objects.exists()
    assert AuditEntry.objects.filter(event="integrations.provider_removed").count() == 1


def test_settings_no_key_opens_any_more_can_be_entered_again(settings, staff_client):
    add(staff_client)
    account = ProviderAccount.objects.get()
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-secret-key-that-was-lost-" * 2, []
    staff_client.force_login(
        User.objects.get(email="boss@example.test")
    )  # the old session's hash is void too
    url = reverse("admin:integrations_provideraccount_change", args=[account.pk])
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(
        url, {"active": "on", "smsru__api_id": "", "smsru__sender": "", "smsru__test": ""}
    )
    assert "smsru__api_id" in response.context["adminform"].form.errors  # the lost key must be typed again
    response = staff_client.post(
        url, {"active": "on", "smsru__api_id": "new-key-1234", "smsru__sender": "", "smsru__test": ""}
    )
    assert response.status_code == 302 and ProviderAccount.objects.get().config()["api_id"] == "new-key-1234"


def test_the_provider_list_costs_the_same_queries_with_more_rows(staff_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("admin:integrations_provideraccount_changelist")

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(url).status_code == 200
        return len(queries)

    add(staff_client)
    cost()  # the first page also fills the cache of the portal's settings (its title)
    one = cost()
    for provider_id in ("file", "memory"):
        add(staff_client, choice=f"sms:{provider_id}")
    assert ProviderAccount.objects.count() == 3 and cost() == one
