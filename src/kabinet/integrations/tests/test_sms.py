"""The SMS contract: registry by provider id, the file provider of the demo, the memory provider of tests."""

from __future__ import annotations

import pytest

from kabinet.integrations import sms
from kabinet.integrations.sms import SmsMessage, SmsResult, deliver, get_provider, register_provider


def test_the_file_provider_writes_one_file_per_text(settings, tmp_path):
    settings.KABINET_SMS_PROVIDER = "file"
    settings.KABINET_SMS_FILE_PATH = tmp_path / "outbox-sms"
    result = deliver(SmsMessage(to="+79161234567", text="123456 is your code", purpose="login_code"))
    assert result.accepted and result.provider == "file"
    [written] = (tmp_path / "outbox-sms").iterdir()
    text = written.read_text(encoding="utf-8")
    assert "To: +79161234567" in text and "123456 is your code" in text and "From: Kabinet" in text


def test_a_file_provider_that_cannot_write_refuses_instead_of_raising(settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    settings.KABINET_SMS_PROVIDER = "file"
    settings.KABINET_SMS_FILE_PATH = blocker / "sub"
    result = deliver(SmsMessage(to="+79161234567", text="hi"))
    assert not result.accepted and result.error


def test_providers_are_found_by_id_and_unknown_ids_are_an_error(settings):
    class Gateway:
        id = "acme"

        def __init__(self):
            self.sent = []

        def send(self, message):
            self.sent.append(message)
            return SmsResult(provider=self.id, accepted=True, message_id="42")

    gateway = Gateway()
    register_provider("acme", lambda: gateway)
    try:
        settings.KABINET_SMS_PROVIDER = "acme"
        assert deliver(SmsMessage(to="+48600100200", text="kod")).message_id == "42"
        assert gateway.sent[0].sender == "Kabinet"
    finally:
        sms._FACTORIES.pop("acme", None)
    with pytest.raises(LookupError):
        get_provider("no-such-gateway")


@pytest.mark.django_db
def test_send_sms_waits_for_the_commit(settings, django_capture_on_commit_callbacks):
    from kabinet.integrations.sms import offline

    settings.KABINET_SMS_PROVIDER = "memory"
    offline.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        sms.send_sms(SmsMessage(to="+79161234567", text="later"))
        assert not offline.outbox
    assert len(callbacks) == 1 and offline.outbox[0].text == "later"
    offline.outbox.clear()
