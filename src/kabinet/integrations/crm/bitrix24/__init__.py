"""Bitrix24 over REST (INTEGRATIONS.md): a portal's inbound webhook URL, or an OAuth application's tokens.

- Calls: ``POST {webhook_url}{method}.json`` with a JSON body (webhook), or ``POST https://{domain}/rest/
  {method}.json`` with ``auth=<access token>`` (OAuth). An expired access token answers 401 ``expired_token``:
  the provider refreshes it at ``oauth.bitrix.info/oauth/token/`` (``grant_type=refresh_token``), hands the new
  pair to the connection to store, and repeats the call once.
- ``crm.deal.list`` answers 50 rows a page, every value a string; an incremental pull filters
  ``>=DATE_MODIFY`` and pages with ``start``/``next``; the first import (no cursor) uses the keyset the docs
  recommend for big portals (``start=-1``, ``>ID``, ordered by ``ID``), which never skips or repeats rows.
- Limits: a leaky bucket of 50 requests draining 2 a second; we keep under it with a token bucket of the same
  shape, and retry 503 ``QUERY_LIMIT_EXCEEDED`` and 429 ``OPERATION_TIME_LIMIT`` with backoff.
- Smart invoices (``crm.item.list`` with ``entityTypeId`` 31, camelCase fields, ``result.items``): the same
  keyset (``>id``, ``start=-1``) for the first import, ``>=updatedTime`` after; their categories from
  ``crm.category.list`` (``entityTypeId`` 31), stages from ``crm.status.list`` with the category's
  ``ENTITY_ID`` (``SMART_INVOICE_STAGE_{category}``); the deal they belong to is ``parentId2``.
- Events (``ONCRMDEALUPDATE``…) come form-encoded with ``auth[application_token]``, compared with the token
  saved at install; the deal is then fetched again.
- The company's INN lives in Bitrix requisites (``crm.requisite.list``, ``ENTITY_TYPE_ID`` 4 with the
  company's ``ENTITY_ID``), not on the company: the card and its requisites come in one ``batch``; the first
  requisite whose ``RQ_INN`` passes its checksum (``stdnum.ru.inn``) gives the INN, its ``RQ_KPP`` the KPP
  (organisations only: a 10-digit INN). The engine matches a company by CRM id, then by that INN.
"""

from __future__ import annotations

import datetime
import hmac
import re
import time
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

import httpx
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from stdnum.ru import inn as ru_inn

from kabinet.core.providers import ConfigField
from kabinet.core.providers.crm import (
    FAILURE,
    PROCESS,
    SUCCESS,
    CrmCompany,
    CrmContact,
    CrmDeal,
    CrmError,
    CrmFile,
    CrmInvoice,
    CrmPipeline,
    CrmProvider,
    CrmStage,
    DealPage,
    InvoicePage,
)
from kabinet.integrations.base import HttpClient, RetryPolicy
from kabinet.integrations.crm.http import account_bucket, store_tokens

RATE_PER_SECOND, BURST = 2.0, 50.0
RETRY = RetryPolicy(attempts=5, statuses=frozenset({429, 503}), initial=1.0, maximum=30.0)
PAGE = 50
DEAL_FIELDS = [
    "ID",
    "TITLE",
    "STAGE_ID",
    "CATEGORY_ID",
    "OPPORTUNITY",
    "CURRENCY_ID",
    "CONTACT_ID",
    "COMPANY_ID",
    "ASSIGNED_BY_ID",
    "DATE_MODIFY",
    "UF_*",
]
SEMANTICS = {"S": SUCCESS, "F": FAILURE, "success": SUCCESS, "failure": FAILURE}
DEAL_EVENTS = ("ONCRMDEALADD", "ONCRMDEALUPDATE", "ONCRMDEALDELETE")
SMART_INVOICE = 31
INVOICE_FIELDS = [
    "id",
    "title",
    "categoryId",
    "stageId",
    "accountNumber",
    "opportunity",
    "currencyId",
    "companyId",
    "contactId",
    "contactIds",
    "parentId2",
    "begindate",
    "closedate",
    "updatedTime",
]
REQUISITE_OF_COMPANY, REQUISITE_OF_CONTACT = "4", "3"  # ENTITY_TYPE_ID of crm.requisite.list


def multi(values: Any) -> tuple[str, ...]:
    """``[{"VALUE": "+7…", "VALUE_TYPE": "WORK"}]`` → the values."""
    return tuple(str(v.get("VALUE") or "") for v in values or () if isinstance(v, dict) and v.get("VALUE"))


def requisite_numbers(rows: Any) -> tuple[str, str]:
    """The INN and KPP of the first requisite whose INN passes its checksum; KPP only beside a 10-digit
    (organisation's) INN and when it has its 9 characters. ``("", "")`` when none does."""
    for row in rows if isinstance(rows, list) else ():
        if not isinstance(row, dict):
            continue
        number = ru_inn.compact(str(row.get("RQ_INN") or ""))
        if not number or not ru_inn.is_valid(number):
            continue
        kpp = "".join(str(row.get("RQ_KPP") or "").split()).upper()
        return number, kpp if len(number) == 10 and len(kpp) == 9 else ""
    return "", ""


def file_values(value: Any) -> list[dict[str, Any]]:
    """A file field's value (``{id, showUrl, downloadUrl}`` or a list of them), else ``[]``."""
    items = value if isinstance(value, list) else [value]
    return [v for v in items if isinstance(v, dict) and v.get("id") and v.get("downloadUrl")]


def day(value: Any) -> datetime.date | None:
    """``2026-11-01T03:00:00+03:00`` or ``2026-11-01`` → the date; empty or unreadable → None."""
    text = str(value or "")
    try:
        return datetime.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def some_id(value: Any) -> str:
    """A Bitrix id as it comes (``"37"``, ``37``, ``0`` or ``None`` for none)."""
    text = str(value or "").strip()
    return "" if text in ("", "0") else text


def decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value or "0"))
    except InvalidOperation:
        return Decimal("0")


class Bitrix24Provider(CrmProvider):
    id = "bitrix24"
    label = "Bitrix24"
    config_schema = (
        ConfigField(
            "webhook_url",
            _("Inbound webhook URL"),
            secret=True,
            required=False,
            help_text=_(
                "Bitrix24 → Developer resources → Inbound webhook, with the crm scope: "
                "https://your-portal.bitrix24.ru/rest/1/abc123/"
            ),
        ),
        ConfigField(
            "domain",
            _("Portal address (OAuth application)"),
            required=False,
            help_text=_("your-portal.bitrix24.ru, for a local or market application instead of a webhook"),
        ),
        ConfigField("client_id", _("Application client_id"), required=False),
        ConfigField("client_secret", _("Application client_secret"), secret=True, required=False),
        ConfigField("access_token", _("Access token"), secret=True, required=False),
        ConfigField("refresh_token", _("Refresh token"), secret=True, required=False),
        ConfigField(
            "application_token",
            _("Application token of the events"),
            secret=True,
            required=False,
            help_text=_(
                "Bitrix24 sends it with every event (auth[application_token]); events without it are refused."
            ),
        ),
    )

    @classmethod
    def clean_config(cls, data):  # type: ignore[no-untyped-def]
        from django.core.exceptions import ValidationError

        cleaned = super().clean_config(data)
        if not cleaned["webhook_url"] and not (cleaned["domain"] and cleaned["access_token"]):
            raise ValidationError(
                {
                    "webhook_url": ValidationError(
                        _("Paste the inbound webhook URL, or fill in the OAuth application."), code="required"
                    )
                }
            )
        if cleaned["webhook_url"] and not cleaned["webhook_url"].endswith("/"):
            cleaned["webhook_url"] += "/"
        return cleaned

    @property
    def account(self) -> str:
        url = self.config["webhook_url"] or self.config["domain"]
        return httpx.URL(url if "//" in url else f"https://{url}").host or "bitrix24"

    # --- transport ---------------------------------------------------------------------------------------

    def http(self) -> HttpClient:
        bucket = account_bucket(self, rate=RATE_PER_SECOND, capacity=BURST)  # virtual clock in tests
        return HttpClient(
            provider=self.id,
            account=self.account,
            retry=RETRY,
            bucket=bucket,
            secrets=[
                self.config[k] for k in ("webhook_url", "access_token", "refresh_token", "client_secret")
            ],
            sleep=self.sleep or time.sleep,
        )

    def url(self, method: str) -> str:
        if self.config["webhook_url"]:
            return f"{self.config['webhook_url']}{method}.json"
        domain = self.config["domain"]
        base = domain if "//" in domain else f"https://{domain}"
        return f"{base.rstrip('/')}/rest/{method}.json"

    def call(self, method: str, params: dict[str, Any] | None = None, *, refreshed: bool = False) -> Any:
        """One REST call; answers the whole envelope (``result``, ``next``, ``total``)."""
        body = dict(params or {})
        if not self.config["webhook_url"]:
            body["auth"] = self.config["access_token"]
        with self.http() as http:
            try:
                response = http.post(self.url(method), json=body)
            except httpx.HTTPError as error:
                raise CrmError("refused", f"Bitrix24 did not answer: {error}") from error
        try:
            data = response.json()
        except ValueError:
            data = {}
        error = str(data.get("error") or "") if isinstance(data, dict) else ""
        description = str(data.get("error_description") or error) if isinstance(data, dict) else ""
        if (
            response.status_code == 401
            and error == "expired_token"
            and not refreshed
            and self.config["refresh_token"]
        ):
            self.refresh()
            return self.call(method, params, refreshed=True)
        if response.status_code in (401, 403) or error in (
            "NO_AUTH_FOUND",
            "invalid_token",
            "insufficient_scope",
        ):
            raise CrmError("auth", description or f"HTTP {response.status_code}")
        if response.status_code in (429, 503) or error in ("QUERY_LIMIT_EXCEEDED", "OPERATION_TIME_LIMIT"):
            raise CrmError("rate_limited", description or error or f"HTTP {response.status_code}")
        if response.status_code == 400 and "not found" in description.lower():
            raise CrmError("not_found", description)
        if response.status_code >= 400 or error:
            raise CrmError("refused", description or f"HTTP {response.status_code}")
        return data

    def refresh(self) -> None:
        """The OAuth refresh flow; the new pair is stored before anything else uses it."""
        with self.http() as http:
            response = http.get(
                f"{settings.KABINET_BITRIX24_OAUTH_URL.rstrip('/')}/oauth/token/",
                params={
                    "grant_type": "refresh_token",
                    "client_id": self.config["client_id"],
                    "client_secret": self.config["client_secret"],
                    "refresh_token": self.config["refresh_token"],
                },
            )
        data = (
            response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        )
        if response.status_code != 200 or not data.get("access_token"):
            raise CrmError(
                "auth", str(data.get("error_description") or data.get("error") or "refresh refused")
            )
        store_tokens(self, access_token=data["access_token"], refresh_token=data.get("refresh_token") or "")

    # --- the contract ------------------------------------------------------------------------------------

    def pipelines(self) -> list[CrmPipeline]:
        categories = self.call("crm.category.list", {"entityTypeId": 2})["result"].get("categories", [])
        if not any(str(c.get("id")) == "0" for c in categories):
            categories.insert(0, {"id": 0, "name": "General"})
        result = []
        for category in categories:
            cat = str(category.get("id"))
            entity = "DEAL_STAGE" if cat == "0" else f"DEAL_STAGE_{cat}"
            rows = self.call("crm.status.list", {"filter": {"ENTITY_ID": entity}, "order": {"SORT": "ASC"}})[
                "result"
            ]
            stages = tuple(
                CrmStage(
                    id=str(row["STATUS_ID"]),
                    name=str(row.get("NAME") or row["STATUS_ID"]),
                    sort=int(row.get("SORT") or 0),
                    semantics=SEMANTICS.get(
                        str((row.get("EXTRA") or {}).get("SEMANTICS") or row.get("SEMANTICS") or ""), PROCESS
                    ),
                )
                for row in rows
            )
            result.append(CrmPipeline(id=cat, name=str(category.get("name") or cat), stages=stages))
        return result

    def stage_rows(self, entity: str) -> tuple[CrmStage, ...]:
        rows = self.call("crm.status.list", {"filter": {"ENTITY_ID": entity}, "order": {"SORT": "ASC"}})[
            "result"
        ]
        return tuple(
            CrmStage(
                id=str(row["STATUS_ID"]),
                name=str(row.get("NAME") or row["STATUS_ID"]),
                sort=int(row.get("SORT") or 0),
                semantics=SEMANTICS.get(
                    str((row.get("EXTRA") or {}).get("SEMANTICS") or row.get("SEMANTICS") or ""), PROCESS
                ),
            )
            for row in rows
        )

    # --- smart invoices (entityTypeId 31) ----------------------------------------------------------------

    supports_invoices = True

    def invoice_pipelines(self) -> list[CrmPipeline]:
        categories = self.call("crm.category.list", {"entityTypeId": SMART_INVOICE})["result"].get(
            "categories", []
        )
        return [
            CrmPipeline(
                id=str(c.get("id")),
                name=str(c.get("name") or c.get("id")),
                stages=self.stage_rows(f"SMART_INVOICE_STAGE_{c.get('id')}"),
            )
            for c in categories
        ]

    def to_invoice(self, row: dict[str, Any]) -> CrmInvoice:
        contacts = row.get("contactIds") or []
        contact = some_id(row.get("contactId")) or (some_id(contacts[0]) if contacts else "")
        return CrmInvoice(
            id=str(row["id"]),
            title=str(row.get("title") or ""),
            pipeline_id=str(row.get("categoryId") or ""),
            stage_id=str(row.get("stageId") or ""),
            modified_at=datetime.datetime.fromisoformat(str(row["updatedTime"])),
            amount=decimal(row.get("opportunity")),
            currency=str(row.get("currencyId") or "RUB"),
            number=str(row.get("accountNumber") or ""),
            contact_id=contact,
            company_id=some_id(row.get("companyId")),
            deal_id=some_id(row.get("parentId2")),
            issued_on=day(row.get("begindate")),
            due_on=day(row.get("closedate")),
        )

    def invoices(self, *, modified_since: datetime.datetime | None, page: str = "") -> InvoicePage:
        if modified_since is None:  # the first import: keyset by id, as for deals
            last = page.removeprefix("id:") if page else "0"
            data = self.call(
                "crm.item.list",
                {
                    "entityTypeId": SMART_INVOICE,
                    "select": INVOICE_FIELDS,
                    "filter": {">id": last},
                    "order": {"id": "ASC"},
                    "start": -1,
                },
            )
            rows = (data.get("result") or {}).get("items") or []
            found = tuple(self.to_invoice(row) for row in rows)
            return InvoicePage(invoices=found, next=f"id:{found[-1].id}" if len(rows) >= PAGE else "")
        data = self.call(
            "crm.item.list",
            {
                "entityTypeId": SMART_INVOICE,
                "select": INVOICE_FIELDS,
                "filter": {">=updatedTime": modified_since.isoformat()},
                "order": {"updatedTime": "ASC", "id": "ASC"},
                "start": int(page or 0),
            },
        )
        following = data.get("next")
        rows = (data.get("result") or {}).get("items") or []
        return InvoicePage(
            invoices=tuple(self.to_invoice(row) for row in rows), next=str(following) if following else ""
        )

    def to_deal(self, row: dict[str, Any]) -> CrmDeal:
        return CrmDeal(
            id=str(row["ID"]),
            title=str(row.get("TITLE") or ""),
            pipeline_id=str(row.get("CATEGORY_ID") or "0"),
            stage_id=str(row.get("STAGE_ID") or ""),
            modified_at=datetime.datetime.fromisoformat(str(row["DATE_MODIFY"])),
            amount=decimal(row.get("OPPORTUNITY")),
            currency=str(row.get("CURRENCY_ID") or "RUB"),
            contact_id="" if str(row.get("CONTACT_ID") or "0") == "0" else str(row["CONTACT_ID"]),
            company_id="" if str(row.get("COMPANY_ID") or "0") == "0" else str(row["COMPANY_ID"]),
            responsible_id=str(row.get("ASSIGNED_BY_ID") or ""),
            fields={
                k: str(v)
                for k, v in row.items()
                if k.startswith("UF_CRM_") and v not in (None, "", []) and not file_values(v)
            },
            files=tuple(
                CrmFile(id=str(item["id"]), field=k, url=str(item["downloadUrl"]))
                for k, v in row.items()
                if k.startswith("UF_CRM_")
                for item in file_values(v)
            ),
        )

    def download(self, url: str, *, limit: int) -> tuple[str, bytes]:
        """A deal file's ``downloadUrl`` (relative to the portal, never another host) through the same client,
        bucket and retries as the REST calls; refused past ``limit`` bytes (the declared length first)."""
        base = self.config["webhook_url"] or self.config["domain"]
        origin = httpx.URL(base if "//" in base else f"https://{base}")
        target = origin.join(url)
        if target.host != origin.host:  # only the portal's own files, whatever the deal says
            raise CrmError("refused", f"a file outside the portal: {target.host}")
        if not self.config["webhook_url"]:  # OAuth: the token beside the URL's own query
            target = target.copy_merge_params({"auth": self.config["access_token"]})
        with self.http() as http:
            try:
                response = http.get(str(target))
            except httpx.HTTPError as error:
                raise CrmError("refused", f"Bitrix24 did not answer: {error}") from error
        if response.status_code in (401, 403):
            raise CrmError("auth", f"HTTP {response.status_code}")
        if response.status_code == 404:
            raise CrmError("not_found", "the file is gone")
        if response.status_code >= 400:
            raise CrmError("refused", f"HTTP {response.status_code}")
        declared = response.headers.get("content-length", "")
        if (declared.isdigit() and int(declared) > limit) or len(response.content) > limit:
            raise CrmError("too_large", f"{len(response.content)} bytes")
        disposition = response.headers.get("content-disposition", "")
        match = re.search(r"filename\*=UTF-8''([^;]+)", disposition) or re.search(
            r'filename="?([^";]+)"?', disposition
        )
        return (unquote(match.group(1)) if match else "file"), response.content

    def deals(self, *, modified_since: datetime.datetime | None, page: str = "") -> DealPage:
        if modified_since is None:  # the first import: keyset by ID, no offsets (big portals)
            last = page.removeprefix("id:") if page else "0"
            data = self.call(
                "crm.deal.list",
                {
                    "select": DEAL_FIELDS,
                    "filter": {">ID": last},
                    "order": {"ID": "ASC"},
                    "start": -1,
                },
            )
            rows = data["result"]
            deals = tuple(self.to_deal(row) for row in rows)
            return DealPage(deals=deals, next=f"id:{deals[-1].id}" if len(rows) >= PAGE else "")
        data = self.call(
            "crm.deal.list",
            {
                "select": DEAL_FIELDS,
                "filter": {">=DATE_MODIFY": modified_since.isoformat()},
                "order": {"DATE_MODIFY": "ASC", "ID": "ASC"},
                "start": int(page or 0),
            },
        )
        following = data.get("next")
        return DealPage(
            deals=tuple(self.to_deal(row) for row in data["result"]), next=str(following) if following else ""
        )

    def deal(self, deal_id: str) -> CrmDeal | None:
        try:
            return self.to_deal(self.call("crm.deal.get", {"id": deal_id})["result"])
        except CrmError as error:
            if error.code == "not_found":
                return None
            raise

    def contact(self, contact_id: str) -> CrmContact | None:
        try:
            row = self.call("crm.contact.get", {"id": contact_id})["result"]
        except CrmError as error:
            if error.code == "not_found":
                return None
            raise
        return CrmContact(
            id=str(row["ID"]),
            first_name=str(row.get("NAME") or ""),
            last_name=str(row.get("LAST_NAME") or ""),
            emails=multi(row.get("EMAIL")),
            phones=multi(row.get("PHONE")),
        )

    def company(self, company_id: str) -> CrmCompany | None:
        """``crm.company.get`` and the company's requisites (``crm.requisite.list``) in one ``batch``."""
        commands = {
            "company": f"crm.company.get?id={company_id}",
            "requisites": "crm.requisite.list?"
            + urlencode(
                {
                    "filter[ENTITY_TYPE_ID]": REQUISITE_OF_COMPANY,
                    "filter[ENTITY_ID]": company_id,
                    "select[0]": "RQ_INN",
                    "select[1]": "RQ_KPP",
                }
            ),
        }
        result = self.call("batch", {"halt": 0, "cmd": commands})["result"]
        rows = result.get("result") or {}
        row = rows.get("company") if isinstance(rows, dict) else None
        if not row:
            return None
        inn, kpp = requisite_numbers(rows.get("requisites") or [])
        return CrmCompany(
            id=str(row["ID"]),
            name=str(row.get("TITLE") or ""),
            inn=inn,
            kpp=kpp,
            emails=multi(row.get("EMAIL")),
            phones=multi(row.get("PHONE")),
        )

    def to_contact(self, row: dict[str, Any]) -> CrmContact:
        return CrmContact(
            id=str(row["ID"]),
            first_name=str(row.get("NAME") or ""),
            last_name=str(row.get("LAST_NAME") or ""),
            emails=multi(row.get("EMAIL")),
            phones=multi(row.get("PHONE")),
        )

    def contacts(self, contact_ids: list[str]) -> dict[str, CrmContact | None]:
        """``batch`` of up to 50 ``crm.contact.get`` per call: HTTP 200 even when some commands failed, their
        errors in ``result_error`` (a deleted contact answers there, as ``None`` here)."""
        found: dict[str, CrmContact | None] = {}
        for start in range(0, len(contact_ids), 50):
            chunk = contact_ids[start : start + 50]
            commands = {f"c{cid}": f"crm.contact.get?id={cid}" for cid in chunk}
            result = self.call("batch", {"halt": 0, "cmd": commands})["result"]
            rows = result.get("result") or {}
            for cid in chunk:
                row = rows.get(f"c{cid}") if isinstance(rows, dict) else None
                found[cid] = self.to_contact(row) if row else None
        return found

    def add_comment(self, *, entity: str, entity_id: str, text: str) -> str:
        data = self.call(
            "crm.timeline.comment.add",
            {
                "fields": {"ENTITY_ID": int(entity_id), "ENTITY_TYPE": entity, "COMMENT": text},
            },
        )
        return str(data["result"])

    def webhook_deal_ids(self, body: bytes, content_type: str = "", **request: Any) -> list[str]:
        form = dict(parse_qsl(body.decode("utf-8", "replace")))
        expected = self.config["application_token"]
        given = form.get("auth[application_token]", "")
        if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
            raise CrmError("auth", "application_token does not match")
        if form.get("event", "").upper() not in DEAL_EVENTS:
            return []
        deal_id = form.get("data[FIELDS][ID]", "")
        return [deal_id] if deal_id else []
