"""SMS.ru against its documented request and answers (https://sms.ru/api/send), served by a local server."""

from __future__ import annotations

import socket

import pytest

from kabinet.core.providers.sms import SmsMessage, deliver
from kabinet.integrations import actions
from kabinet.integrations.sms.smsru import SmsRuProvider
from kabinet.notifications.channels import OutgoingMessage, Recipient, get_channel

API_ID = "F2D79B58-A5A2-2F9E-91C8-73D12CE2E102"
SENT = {
    "status": "OK",
    "status_code": 100,
    "sms": {"79161234567": {"status": "OK", "status_code": 100, "sms_id": "000000-10000000"}},
    "balance": 4122.56,
}


@pytest.fixture
def smsru(settings, httpserver):
    settings.KABINET_SMSRU_URL = httpserver.url_for("").rstrip("/")
    return httpserver


def provider(api_id: str = API_ID, **config) -> SmsRuProvider:
    return SmsRuProvider({"api_id": api_id, **config}, sleep=lambda seconds: None)


def test_the_documented_request_is_sent_and_an_accepted_text_gives_its_id(smsru):
    smsru.expect_request("/sms/send", method="POST").respond_with_json(SENT)
    result = provider(sender="Romashka", test="1").send(
        SmsMessage(to="+7 916 123-45-67", text="123456 — ваш код", sender="Kabinet")
    )
    assert result.accepted and result.provider == "smsru" and result.message_id == "000000-10000000"
    [(request, _response)] = smsru.log
    assert request.form.to_dict() == {
        "api_id": API_ID,
        "to": "79161234567",
        "msg": "123456 — ваш код",
        "json": "1",
        "from": "Romashka",
        "test": "1",
    }


def test_a_refused_number_is_a_refusal_with_the_vendors_code(smsru):
    smsru.expect_request("/sms/send").respond_with_json(
        {
            "status": "OK",
            "status_code": 100,
            "sms": {
                "79161234567": {
                    "status": "ERROR",
                    "status_code": 207,
                    "status_text": "На этот номер нельзя отправлять сообщения",
                }
            },
            "balance": 4122.56,
        }
    )
    result = provider(api_id="acct-207-key").send(SmsMessage(to="+79161234567", text="hi"))
    assert not result.accepted and not result.retry and result.error.startswith("207:")


def test_a_refused_request_is_a_refusal_and_only_the_temporary_code_may_be_retried(smsru):
    smsru.expect_ordered_request("/sms/send").respond_with_json(
        {"status": "ERROR", "status_code": 200, "status_text": "Неправильный api_id"}
    )
    smsru.expect_ordered_request("/sms/send").respond_with_json(
        {
            "status": "ERROR",
            "status_code": 220,
            "status_text": "Сервис временно недоступен, попробуйте чуть позже",
        }
    )
    gateway = provider(api_id="acct-200-key")
    wrong_key = gateway.send(SmsMessage(to="+79161234567", text="hi"))
    assert not wrong_key.accepted and not wrong_key.retry and "Неправильный api_id" in wrong_key.error
    busy = gateway.send(SmsMessage(to="+79161234567", text="hi"))
    assert not busy.accepted and busy.retry and busy.error.startswith("220:")


def test_a_proxy_error_is_retried_and_a_broken_answer_is_a_temporary_refusal(smsru):
    smsru.expect_ordered_request("/sms/send").respond_with_data("Bad Gateway", status=502)
    smsru.expect_ordered_request("/sms/send").respond_with_json(SENT)
    smsru.expect_ordered_request("/sms/send").respond_with_data("<html>maintenance</html>")
    gateway = provider(api_id="acct-502-key")
    assert gateway.send(SmsMessage(to="+79161234567", text="hi")).accepted
    assert len(smsru.log) == 2
    broken = gateway.send(SmsMessage(to="+79161234567", text="hi"))
    assert not broken.accepted and broken.retry


def test_an_unreachable_gateway_is_a_temporary_refusal(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        settings.KABINET_SMSRU_URL = f"http://127.0.0.1:{sock.getsockname()[1]}"
    result = provider(api_id="acct-down-key").send(SmsMessage(to="+79161234567", text="hi"))
    assert not result.accepted and result.retry and result.error.startswith("no answer")


@pytest.mark.django_db
def test_staff_choose_smsru_and_sign_in_codes_go_there(settings, smsru, caplog):
    settings.KABINET_SMS_PROVIDER = ""
    actions.configure_provider(
        actor=None, kind="sms", provider_id="smsru", config={"api_id": "acct-e2e-secret-key"}, active=True
    )
    smsru.expect_request("/sms/send", method="POST").respond_with_json(SENT)
    caplog.set_level("INFO", logger="kabinet.integrations.http")
    result = deliver(SmsMessage(to="+79161234567", text="123456", purpose="verification_code"))
    assert result.accepted and result.provider == "smsru"
    assert smsru.log[0][0].form["api_id"] == "acct-e2e-secret-key"
    assert "acct-e2e-secret-key" not in caplog.text


def message(phone: str = "+79161234567") -> OutgoingMessage:
    recipient = Recipient(contact_id=1, name="Anna", language="ru", phone=phone)
    return OutgoingMessage(
        event="order.stage_changed", recipient=recipient, subject="", text="Stage", url="https://x.test/o/"
    )


@pytest.mark.django_db
def test_a_temporary_refusal_of_smsru_makes_the_notice_channel_retry(settings, httpserver):
    settings.KABINET_SMS_PROVIDER, settings.KABINET_SMSRU_URL = "", httpserver.url_for("").rstrip("/")
    actions.configure_provider(
        actor=None, kind="sms", provider_id="smsru", config={"api_id": "acct-channel-key"}, active=True
    )
    httpserver.expect_request("/sms/send").respond_with_json(
        {"status": "ERROR", "status_code": 220, "status_text": "Сервис временно недоступен"}
    )
    channel = get_channel("sms")
    assert not channel.offline and channel.reachable(message().recipient)
    assert not channel.reachable(message(phone="").recipient)
    result = channel.send(message())
    assert not result.ok and result.retry and result.error.startswith("220:")
    assert httpserver.log[0][0].form["msg"] == "Stage https://x.test/o/"


@pytest.mark.django_db
def test_a_chosen_gateway_whose_key_no_longer_opens_fails_the_delivery_not_the_page(settings):
    settings.KABINET_SMS_PROVIDER = ""
    actions.configure_provider(
        actor=None, kind="sms", provider_id="smsru", config={"api_id": "acct-lost-key"}, active=True
    )
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-secret-key-that-was-lost-" * 2, []
    channel = get_channel("sms")
    assert channel.offline is False
    result = channel.send(message())
    assert not result.ok and not result.retry and "decrypted" in result.error
