"""Any RFC 3161 time-stamping authority over HTTP (RFC 3161 section 3.4): ``POST`` the DER ``TimeStampReq``
as ``application/timestamp-query`` to the server's URL; the answer is ``application/timestamp-reply`` holding the
DER ``TimeStampResp``. Optional HTTP Basic credentials (many commercial TSAs) or a bearer token.

A server that is down, busy (5xx) or slow is a temporary failure: the seal is made without the timestamp and
the signing job asks again later.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from django.utils.translation import gettext_lazy as _

from kabinet.core.providers.timestamp import TimestampProvider, TimestampResult
from kabinet.integrations.base import ConfigField, HttpClient, RetryPolicy

# One attempt: the signature waits for it, and the job that adds pending timestamps is the retry.
RETRY = RetryPolicy(attempts=1)
# The seal waits for the answer inside the signature's transaction: a short limit, then B-B and a retry later.
TIMEOUT = httpx.Timeout(8.0, connect=3.0)


class Rfc3161Provider(TimestampProvider):
    id = "rfc3161"
    label = _("RFC 3161 timestamp server")
    config_schema = (
        ConfigField(
            "url", _("Server URL"), help_text=_("The TSA's address, e.g. https://tsa.example.com/tsr")
        ),
        ConfigField(
            "username", _("User name"), required=False, help_text=_("For HTTP Basic authentication.")
        ),
        ConfigField("password", _("Password"), secret=True, required=False),
        ConfigField(
            "token", _("Access token"), secret=True, required=False, help_text=_("Sent as a Bearer token.")
        ),
    )

    def __init__(
        self, config: Mapping[str, str] | None = None, *, sleep: Callable[[float], Any] = time.sleep
    ) -> None:
        super().__init__(config)
        self.sleep = sleep

    @property
    def account(self) -> str:
        return self.config["url"]

    def stamp(self, request: bytes) -> TimestampResult:
        headers = {"Content-Type": "application/timestamp-query", "Accept": "application/timestamp-reply"}
        if self.config["token"]:
            headers["Authorization"] = f"Bearer {self.config['token']}"
        elif self.config["username"]:
            pair = f"{self.config['username']}:{self.config['password']}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        secrets = [self.config["password"], self.config["token"]]
        with HttpClient(
            provider=self.id,
            account=self.account,
            timeout=TIMEOUT,
            retry=RETRY,
            secrets=secrets,
            sleep=self.sleep,
        ) as http:
            try:
                response = http.post(self.config["url"], content=request, headers=headers)
            except httpx.HTTPError as error:
                return TimestampResult(provider=self.id, accepted=False, error=f"unreachable: {error}")
        if response.status_code != 200:
            return TimestampResult(
                provider=self.id,
                accepted=False,
                error=f"HTTP {response.status_code}",
                retry=response.status_code >= 500 or response.status_code == 429,
            )
        return TimestampResult(provider=self.id, accepted=True, response=response.content)
