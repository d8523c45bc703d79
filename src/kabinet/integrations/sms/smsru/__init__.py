"""SMS.ru (https://sms.ru/api/send): the worked example of a real provider in one folder.

The documented call: ``POST {KABINET_SMSRU_URL}/sms/send`` with form fields ``api_id``, ``to`` (digits, no
``+``), ``msg`` (UTF-8), ``json=1``, optional ``from`` (an approved sender name) and ``test=1`` (checked and
billed as 0, not sent). The answer is HTTP 200 with a JSON envelope::

    {"status": "OK", "status_code": 100, "balance": 4122.56,
     "sms": {"79255070602": {"status": "OK", "status_code": 100, "sms_id": "000000-10000000"}}}

where a refused number reads ``{"status": "ERROR", "status_code": 207, "status_text": "…"}`` and a refused
request (wrong ``api_id`` 200, no money 201, …) has ``"status": "ERROR"`` at the top. Code 220 means "the
service is temporarily unavailable, try a little later": a temporary refusal the caller may retry.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kabinet.core.providers.sms import SmsMessage, SmsProvider, SmsResult
from kabinet.integrations.base import ConfigField, HttpClient, RetryPolicy, shared_bucket

TEMPORARY_CODES = frozenset({220})
# SMS.ru documents no HTTP-level "try again" codes; these come from its front proxies when the API itself never
# saw the request, so repeating it cannot send a text twice.
RETRY = RetryPolicy(attempts=3, statuses=frozenset({502, 503, 504}))
# SMS.ru publishes no per-second limit; a few requests per second per account keeps a burst of sign-in codes
# well inside what its anti-fraud accepts.
RATE_PER_SECOND, BURST = 5.0, 5.0


class SmsRuProvider(SmsProvider):
    id = "smsru"
    label = "SMS.ru"
    config_schema = (
        ConfigField(
            "api_id", _("API key (api_id)"), secret=True, help_text=_("SMS.ru → Settings → API key.")
        ),
        ConfigField(
            "sender",
            _("Sender name"),
            required=False,
            help_text=_("An approved sender name; empty: SMS.ru's default sender."),
        ),
        ConfigField(
            "test",
            _("Test mode"),
            required=False,
            help_text=_("1: SMS.ru checks the request but sends and bills nothing."),
        ),
    )

    def __init__(
        self, config: Mapping[str, str] | None = None, *, sleep: Callable[[float], Any] = time.sleep
    ) -> None:
        super().__init__(config)
        self.sleep = sleep  # between retries; tests pass one that does not wait

    @property
    def account(self) -> str:
        # The key names the account without being written anywhere: a short hash of it.
        return hashlib.sha256(self.config["api_id"].encode()).hexdigest()[:12]

    def client(self) -> HttpClient:
        return HttpClient(
            provider=self.id,
            account=self.account,
            base_url=settings.KABINET_SMSRU_URL,
            retry=RETRY,
            bucket=shared_bucket(self.id, self.account, rate=RATE_PER_SECOND, capacity=BURST),
            secrets=[self.config["api_id"]],
            sleep=self.sleep,
        )

    def send(self, message: SmsMessage) -> SmsResult:
        to = "".join(ch for ch in message.to if ch.isdigit())
        form = {"api_id": self.config["api_id"], "to": to, "msg": message.text, "json": "1"}
        # Only the sender name staff entered: SMS.ru refuses names it has not approved (code 204), so the
        # portal-wide KABINET_SMS_SENDER in message.sender is not passed on.
        if self.config["sender"]:
            form["from"] = self.config["sender"]
        if self.config["test"] in {"1", "true", "yes"}:
            form["test"] = "1"
        try:
            with self.client() as http:
                response = http.post("/sms/send", data=form)
        except httpx.HTTPError as error:
            # Later again only if SMS.ru surely never got it: after a read timeout the text may be on its way.
            retry = isinstance(error, RETRY.exceptions)
            return SmsResult(provider=self.id, accepted=False, error=f"no answer: {error}", retry=retry)
        return self.result(response, to)

    def result(self, response: httpx.Response, to: str) -> SmsResult:
        """Read SMS.ru's envelope: the request's status first, then the one number's."""
        if response.status_code != 200:
            return SmsResult(
                provider=self.id,
                accepted=False,
                error=f"HTTP {response.status_code}",
                retry=response.status_code in RETRY.statuses or response.status_code >= 500,
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return SmsResult(provider=self.id, accepted=False, error="not a JSON object", retry=True)
        item = body if body.get("status") != "OK" else (body.get("sms") or {}).get(to) or {}
        if item.get("status") == "OK":
            return SmsResult(provider=self.id, accepted=True, message_id=str(item.get("sms_id", "")))
        code = item.get("status_code")
        return SmsResult(
            provider=self.id,
            accepted=False,
            error=f"{code}: {item.get('status_text') or 'no status for this number'}",
            retry=code in TEMPORARY_CODES,
        )
