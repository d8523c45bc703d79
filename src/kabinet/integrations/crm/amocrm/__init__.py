"""amoCRM / Kommo over API v4 (INTEGRATIONS.md).

- ``https://{subdomain}.amocrm.ru/api/v4/…`` with ``Authorization: Bearer``: a long-lived token of a private
  integration, or OAuth tokens refreshed at ``/oauth2/access_token`` (``grant_type=refresh_token``) when a call
  answers 401; the new pair is handed to the connection to store, and the call is repeated once.
- Leads: ``GET /api/v4/leads?with=contacts&limit=250&filter[updated_at][from]=…&order[updated_at]=asc``,
  paged by ``_links.next``. **An empty page answers 204 with no body: an empty result, not an error.**
- Pipelines with their statuses (142 won, 143 lost in every pipeline); contacts and companies with
  ``custom_fields_values`` (``field_code`` PHONE / EMAIL); notes as write-back.
- 7 requests a second; 429 backs off and retries; 402 means the account is unpaid: the sync stops with that.
- Webhooks come form-encoded (``leads[status][0][id]=…&account[id]=…``) on a secret path: the account id is
  compared with the connection's, then the lead is fetched again.
"""

from __future__ import annotations

import datetime
import hmac
import time
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

import httpx
from django.utils.translation import gettext_lazy as _

from kabinet.core.providers import ConfigField
from kabinet.core.providers.crm import (
    FAILURE,
    PROCESS,
    SUCCESS,
    CrmCompany,
    CrmContact,
    CrmDeal,
    CrmError,
    CrmPipeline,
    CrmProvider,
    CrmStage,
    DealPage,
)
from kabinet.integrations.base import HttpClient, RetryPolicy
from kabinet.integrations.crm.http import account_bucket, store_tokens

RATE_PER_SECOND, BURST = 7.0, 7.0
RETRY = RetryPolicy(attempts=5, statuses=frozenset({429, 502, 503, 504}), initial=1.0, maximum=30.0)
LIMIT = 250
WON, LOST = 142, 143
NOTE_PATHS = {"deal": "/api/v4/leads/notes", "contact": "/api/v4/contacts/notes"}


def field_values(entity: dict[str, Any], code: str) -> tuple[str, ...]:
    values: list[str] = []
    for item in entity.get("custom_fields_values") or ():
        if item.get("field_code") == code:
            values.extend(str(v.get("value") or "") for v in item.get("values") or () if v.get("value"))
    return tuple(values)


class AmoCrmProvider(CrmProvider):
    id = "amocrm"
    label = "amoCRM / Kommo"
    config_schema = (
        ConfigField(
            "base_url", _("Account address"), help_text=_("https://your-account.amocrm.ru (or .kommo.com)")
        ),
        ConfigField(
            "account_id",
            _("Account id"),
            required=False,
            help_text=_("Events naming another account are refused."),
        ),
        ConfigField("access_token", _("Access token (or long-lived token)"), secret=True),
        ConfigField("refresh_token", _("Refresh token"), secret=True, required=False),
        ConfigField("client_id", _("Integration id (client_id)"), required=False),
        ConfigField("client_secret", _("Secret key (client_secret)"), secret=True, required=False),
        ConfigField("redirect_uri", _("Redirect URI"), required=False),
    )

    @property
    def account(self) -> str:
        return httpx.URL(self.config["base_url"]).host or "amocrm"

    def http(self) -> HttpClient:
        bucket = account_bucket(self, rate=RATE_PER_SECOND, capacity=BURST)  # virtual clock in tests
        return HttpClient(
            provider=self.id,
            account=self.account,
            base_url=self.config["base_url"].rstrip("/"),
            retry=RETRY,
            bucket=bucket,
            secrets=[self.config[k] for k in ("access_token", "refresh_token", "client_secret")],
            headers={"Authorization": f"Bearer {self.config['access_token']}"},
            sleep=self.sleep or time.sleep,
        )

    def request(self, method: str, url: str, *, refreshed: bool = False, **kwargs: Any) -> httpx.Response:
        with self.http() as http:
            try:
                response = http.request(method, url, **kwargs)
            except httpx.HTTPError as error:
                raise CrmError("refused", f"amoCRM did not answer: {error}") from error
        if response.status_code == 401 and not refreshed and self.config["refresh_token"]:
            self.refresh()
            return self.request(method, url, refreshed=True, **kwargs)
        if response.status_code in (401, 403):
            raise CrmError("auth", self.problem(response))
        if response.status_code == 402:
            raise CrmError(
                "unpaid", self.problem(response) or "Payment required: the amoCRM account is unpaid"
            )
        if response.status_code == 429:
            raise CrmError("rate_limited", self.problem(response) or "Too many requests")
        if response.status_code == 404:
            raise CrmError("not_found", self.problem(response) or "Not found")
        if response.status_code >= 400:
            raise CrmError("refused", self.problem(response))
        return response

    @staticmethod
    def problem(response: httpx.Response) -> str:
        """The vendor's words: problem+json ``title``/``detail`` and any ``validation-errors``."""
        try:
            data = response.json()
        except ValueError:
            return response.text[:300] or f"HTTP {response.status_code}"
        parts = [str(data.get(k)) for k in ("title", "detail", "hint") if data.get(k)]
        if data.get("validation-errors"):
            parts.append(str(data["validation-errors"])[:500])
        return ": ".join(parts) or f"HTTP {response.status_code}"

    def refresh(self) -> None:
        with HttpClient(
            provider=self.id,
            account=self.account,
            base_url=self.config["base_url"].rstrip("/"),
            secrets=[self.config["refresh_token"], self.config["client_secret"]],
            sleep=self.sleep or time.sleep,
        ) as http:
            response = http.post(
                "/oauth2/access_token",
                json={
                    "client_id": self.config["client_id"],
                    "client_secret": self.config["client_secret"],
                    "grant_type": "refresh_token",
                    "refresh_token": self.config["refresh_token"],
                    "redirect_uri": self.config["redirect_uri"],
                },
            )
        if response.status_code != 200:
            raise CrmError("auth", self.problem(response))
        data = response.json()
        store_tokens(self, access_token=data["access_token"], refresh_token=data.get("refresh_token") or "")

    def json(self, response: httpx.Response) -> dict[str, Any]:
        return {} if response.status_code == 204 or not response.content else response.json()

    # --- the contract ------------------------------------------------------------------------------------

    def pipelines(self) -> list[CrmPipeline]:
        data = self.json(self.request("GET", "/api/v4/leads/pipelines"))
        result = []
        for pipeline in (data.get("_embedded") or {}).get("pipelines", []):
            statuses = (pipeline.get("_embedded") or {}).get("statuses", [])
            result.append(
                CrmPipeline(
                    id=str(pipeline["id"]),
                    name=str(pipeline.get("name") or pipeline["id"]),
                    stages=tuple(
                        CrmStage(
                            id=str(s["id"]),
                            name=str(s.get("name") or s["id"]),
                            sort=int(s.get("sort") or 0),
                            semantics=SUCCESS if s["id"] == WON else FAILURE if s["id"] == LOST else PROCESS,
                        )
                        for s in sorted(statuses, key=lambda s: s.get("sort") or 0)
                    ),
                )
            )
        return result

    def to_deal(self, lead: dict[str, Any]) -> CrmDeal:
        embedded = lead.get("_embedded") or {}
        contacts = embedded.get("contacts") or []
        main = next((c for c in contacts if c.get("is_main")), contacts[0] if contacts else None)
        companies = embedded.get("companies") or []
        fields = {}
        for item in lead.get("custom_fields_values") or ():
            values = [
                str(v.get("value")) for v in item.get("values") or () if v.get("value") not in (None, "")
            ]
            if values:
                fields[str(item.get("field_code") or item.get("field_id"))] = ", ".join(values)
        return CrmDeal(
            id=str(lead["id"]),
            title=str(lead.get("name") or ""),
            pipeline_id=str(lead.get("pipeline_id") or ""),
            stage_id=str(lead.get("status_id") or ""),
            modified_at=datetime.datetime.fromtimestamp(int(lead.get("updated_at") or 0), tz=datetime.UTC),
            amount=Decimal(str(lead.get("price") or 0)),
            currency="RUB",
            contact_id=str(main["id"]) if main else "",
            company_id=str(companies[0]["id"]) if companies else "",
            responsible_id=str(lead.get("responsible_user_id") or ""),
            fields=fields,
        )

    def deals(self, *, modified_since: datetime.datetime | None, page: str = "") -> DealPage:
        if page:  # the vendor's own _links.next
            response = self.request("GET", page)
        else:
            params: dict[str, Any] = {
                "with": "contacts",
                "limit": LIMIT,
                "page": 1,
                "order[updated_at]": "asc",
            }
            if modified_since is not None:
                params["filter[updated_at][from]"] = int(modified_since.timestamp())
            response = self.request("GET", "/api/v4/leads", params=params)
        data = self.json(response)
        leads = (data.get("_embedded") or {}).get("leads", [])
        following = ((data.get("_links") or {}).get("next") or {}).get("href", "")
        return DealPage(deals=tuple(self.to_deal(lead) for lead in leads), next=following if leads else "")

    def deal(self, deal_id: str) -> CrmDeal | None:
        try:
            data = self.json(
                self.request("GET", f"/api/v4/leads/{int(deal_id)}", params={"with": "contacts"})
            )
        except CrmError as error:
            if error.code == "not_found":
                return None
            raise
        return self.to_deal(data) if data else None

    def contact(self, contact_id: str) -> CrmContact | None:
        try:
            data = self.json(self.request("GET", f"/api/v4/contacts/{int(contact_id)}"))
        except CrmError as error:
            if error.code == "not_found":
                return None
            raise
        if not data:
            return None
        first = str(data.get("first_name") or "")
        last = str(data.get("last_name") or "")
        if not first and not last:
            first = str(data.get("name") or "")
        return CrmContact(
            id=str(data["id"]),
            first_name=first,
            last_name=last,
            emails=field_values(data, "EMAIL"),
            phones=field_values(data, "PHONE"),
        )

    def company(self, company_id: str) -> CrmCompany | None:
        try:
            data = self.json(self.request("GET", f"/api/v4/companies/{int(company_id)}"))
        except CrmError as error:
            if error.code == "not_found":
                return None
            raise
        if not data:
            return None
        inn = next(iter(field_values(data, "INN")), "")
        return CrmCompany(
            id=str(data["id"]),
            name=str(data.get("name") or ""),
            inn=inn,
            emails=field_values(data, "EMAIL"),
            phones=field_values(data, "PHONE"),
        )

    def add_comment(self, *, entity: str, entity_id: str, text: str) -> str:
        response = self.request(
            "POST",
            NOTE_PATHS[entity],
            json=[{"entity_id": int(entity_id), "note_type": "common", "params": {"text": text}}],
        )
        notes = (self.json(response).get("_embedded") or {}).get("notes") or [{}]
        return str(notes[0].get("id") or "")

    def webhook_deal_ids(self, body: bytes, content_type: str = "", **request: Any) -> list[str]:
        form = parse_qsl(body.decode("utf-8", "replace"))
        values = dict(form)
        expected = self.config["account_id"]
        if expected and not hmac.compare_digest(expected.encode(), values.get("account[id]", "").encode()):
            raise CrmError("auth", "account id does not match")
        ids = []
        for key, value in form:
            # leads[status][0][id], leads[update][0][id], leads[add][0][id], leads[delete][0][id]
            if (
                key.startswith("leads[")
                and key.endswith("][id]")
                and key.count("[") == 3
                and value not in ids
            ):
                ids.append(value)
        return ids
