"""The provider framework on the SMS kind: the registry, which provider is active, the facade, the offline
providers, and the old import path kept for one release."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kabinet.core.models import AuditEntry
from kabinet.core.providers import ConfigField, ProviderError, get_kind, kinds
from kabinet.core.providers.sms import (
    SmsMessage,
    SmsProvider,
    SmsResult,
    deliver,
    get_provider,
    registry,
    send_sms,
)
from kabinet.integrations import actions
from kabinet.integrations.models import ProviderAccount
from kabinet.testing import factories as f


class Gateway(SmsProvider):
    """A provider defined by a test: it records what it was asked to send and with which settings."""

    id = "acme"
    label = "ACME"
    config_schema = (
        ConfigField("token", "Token", secret=True),
        ConfigField("sender", "Sender", required=False),
    )
    sent: list[tuple[SmsMessage, dict]] = []

    def send(self, message: SmsMessage) -> SmsResult:
        self.sent.append((message, dict(self.config)))
        return SmsResult(provider=self.id, accepted=True, message_id="42")


@pytest.fixture
def acme():
    registry.register(Gateway)
    Gateway.sent = []
    yield Gateway
    registry.unregister("acme")


def test_the_sms_kind_lists_its_providers_and_refuses_a_class_of_another_contract():
    assert get_kind("sms") is registry and registry in kinds()
    ids = [p.id for p in registry.providers()]
    assert ids[0] == "smsru" and {"file", "memory"} <= set(ids)  # real gateways first, offline ones last
    with pytest.raises(TypeError):
        registry.register(type("NotSms", (), {"id": "x", "kind": "sms"}))
    with pytest.raises(LookupError):
        get_provider("no-such-gateway")
    with pytest.raises(LookupError):
        get_kind("fax")


@pytest.mark.django_db
def test_nothing_chosen_means_the_offline_file_provider(settings, tmp_path):
    settings.KABINET_SMS_PROVIDER = ""
    settings.KABINET_SMS_FILE_PATH = tmp_path / "outbox-sms"
    result = deliver(SmsMessage(to="+79161234567", text="123456 is your code", purpose="login_code"))
    assert result.accepted and result.provider == "file"
    [written] = (tmp_path / "outbox-sms").iterdir()
    text = written.read_text(encoding="utf-8")
    assert "To: +79161234567" in text and "123456 is your code" in text and "From: Kabinet" in text


@pytest.mark.django_db
def test_a_file_provider_that_cannot_write_refuses_instead_of_raising(settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    settings.KABINET_SMS_PROVIDER = "file"
    settings.KABINET_SMS_FILE_PATH = blocker / "sub"
    result = deliver(SmsMessage(to="+79161234567", text="hi"))
    assert not result.accepted and result.error


@pytest.mark.django_db
def test_staff_choice_is_used_with_its_stored_settings(settings, acme):
    settings.KABINET_SMS_PROVIDER = ""
    actions.configure_provider(
        actor=None, kind="sms", provider_id="acme", config={"token": "t-1234", "sender": "Shop"}, active=True
    )
    assert deliver(SmsMessage(to="+48600100200", text="kod")).message_id == "42"
    message, config = Gateway.sent[0]
    assert config == {"token": "t-1234", "sender": "Shop"} and message.sender == "Kabinet"


@pytest.mark.django_db
def test_the_environment_pin_wins_over_staff_choice_and_keeps_the_pinned_provider_settings(
    settings, acme, sms_outbox
):
    actions.configure_provider(
        actor=None, kind="sms", provider_id="acme", config={"token": "t-1234"}, active=True
    )
    deliver(SmsMessage(to="+79161234567", text="pinned"))  # sms_outbox pins "memory"
    assert [m.text for m in sms_outbox] == ["pinned"] and not Gateway.sent
    actions.configure_provider(actor=None, kind="sms", provider_id="acme", config={}, active=False)
    settings.KABINET_SMS_PROVIDER = "acme"  # pinned, not active: its stored settings still apply
    deliver(SmsMessage(to="+79161234567", text="to acme"))
    assert Gateway.sent[0][1]["token"] == "t-1234"


@pytest.mark.django_db
def test_a_chosen_provider_missing_its_settings_refuses_instead_of_raising(settings, acme):
    settings.KABINET_SMS_PROVIDER = "acme"  # pinned, but staff never stored its token
    result = deliver(SmsMessage(to="+79161234567", text="hi"))
    assert not result.accepted and "not configured" in result.error
    with pytest.raises(ProviderError):
        get_provider("acme")


@pytest.mark.django_db
def test_a_chosen_provider_whose_code_is_gone_refuses_instead_of_raising(settings, acme):
    settings.KABINET_SMS_PROVIDER = ""
    actions.configure_provider(
        actor=None, kind="sms", provider_id="acme", config={"token": "t-1234"}, active=True
    )
    registry.unregister("acme")
    result = deliver(SmsMessage(to="+79161234567", text="hi"))
    assert not result.accepted and "not installed" in result.error


@pytest.mark.django_db
def test_configuring_validates_keeps_secrets_encrypted_and_audits_names_only(acme):
    with pytest.raises(ValidationError) as error:
        actions.configure_provider(actor=None, kind="sms", provider_id="acme", config={}, active=True)
    assert "token" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.configure_provider(actor=None, kind="sms", provider_id="nope", config={}, active=True)
    assert "provider" in error.value.message_dict
    staff = f.UserFactory(is_staff=True)
    account = actions.configure_provider(
        actor=staff, kind="sms", provider_id="acme", config={"token": "t-secret-99"}, active=True
    )
    row = ProviderAccount.objects.get(pk=account.pk)
    assert "t-secret-99" not in row.credentials and row.config()["token"] == "t-secret-99"
    # a blank secret keeps the stored one; a plain setting is replaced
    actions.configure_provider(
        actor=staff, kind="sms", provider_id="acme", config={"sender": "Shop"}, active=True
    )
    assert ProviderAccount.objects.get(pk=account.pk).config() == {"token": "t-secret-99", "sender": "Shop"}
    entries = AuditEntry.objects.filter(event="integrations.provider_configured").order_by("id")
    assert [e.data["changed"] for e in entries] == [["token"], ["sender"]]
    assert all("t-secret-99" not in str(e.data) for e in entries)


@pytest.mark.django_db
def test_one_provider_per_kind_is_active(acme):
    actions.configure_provider(
        actor=None, kind="sms", provider_id="acme", config={"token": "t-1234"}, active=True
    )
    actions.configure_provider(actor=None, kind="sms", provider_id="file", config={}, active=True)
    assert list(ProviderAccount.objects.filter(active=True).values_list("provider", flat=True)) == ["file"]


@pytest.mark.django_db
def test_rotating_credentials_rewrites_every_row_under_the_new_key(settings, acme):
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "old-secret-key-" * 3, []
    actions.configure_provider(
        actor=None, kind="sms", provider_id="acme", config={"token": "t-1234"}, active=True
    )
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "new-secret-key-" * 3, ["old-secret-key-" * 3]
    assert actions.rotate_credentials(actor=None) == 1
    settings.SECRET_KEY_FALLBACKS = []
    assert ProviderAccount.objects.get(provider="acme").config()["token"] == "t-1234"


@pytest.mark.django_db
def test_settings_no_key_opens_any_more_make_the_provider_refuse(settings, acme):
    settings.KABINET_SMS_PROVIDER = ""
    actions.configure_provider(
        actor=None, kind="sms", provider_id="acme", config={"token": "t-1234"}, active=True
    )
    settings.SECRET_KEY = "an-unrelated-secret-key-" * 2
    result = deliver(SmsMessage(to="+79161234567", text="hi"))
    assert not result.accepted and "decrypted" in result.error


@pytest.mark.django_db
def test_send_sms_waits_for_the_commit(sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send_sms(SmsMessage(to="+79161234567", text="later"))
        assert not sms_outbox
    assert len(callbacks) == 1 and sms_outbox[0].text == "later"


@pytest.mark.django_db
def test_the_old_import_path_still_works_for_one_release(sms_outbox):
    from kabinet.integrations.sms import SmsMessage as OldMessage
    from kabinet.integrations.sms import deliver as old_deliver
    from kabinet.integrations.sms import offline

    assert old_deliver(OldMessage(to="+79161234567", text="old")).accepted
    assert offline.outbox is sms_outbox and sms_outbox[0].text == "old"


@pytest.mark.django_db
def test_the_rotate_credentials_command_reencrypts(settings, acme):
    from io import StringIO

    from django.core.management import call_command

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "old-secret-key-" * 3, []
    actions.configure_provider(
        actor=None, kind="sms", provider_id="acme", config={"token": "t-1234"}, active=True
    )
    before = ProviderAccount.objects.get().credentials
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "new-secret-key-" * 3, ["old-secret-key-" * 3]
    out = StringIO()
    call_command("rotate_credentials", stdout=out)
    assert "re-encrypted provider settings: 1" in out.getvalue() and ProviderAccount.objects.get().credentials != before


def test_kabinet_check_names_a_pinned_provider_that_does_not_exist(settings):
    from kabinet.integrations.checks import pinned_providers_exist

    settings.KABINET_SMS_PROVIDER = "smsru"
    assert pinned_providers_exist() == []
    settings.KABINET_SMS_PROVIDER = "smsr"
    [problem] = pinned_providers_exist()
    assert (
        problem.id == "kabinet.E101"
        and "KABINET_SMS_PROVIDER='smsr'" in problem.msg
        and "smsru" in problem.hint
    )
