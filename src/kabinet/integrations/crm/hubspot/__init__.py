"""HubSpot CRM (INTEGRATIONS.md; HubSpot's developer docs and Python SDK): deals → orders, with their
contacts and companies.

- ``https://api.hubapi.com`` with ``Authorization: Bearer`` — a private app's access token, or an OAuth access
  token (it lives 1800 s): a 401 is answered by a refresh at ``/oauth/v1/token``
  (``grant_type=refresh_token``, form-encoded), the new pair is handed to the connection to store, and the
  call is repeated once. A 401 after that (or without a refresh token) stops the sync.
- The first import lists ``GET /crm/v3/objects/deals?limit=100&properties=…`` paged by ``paging.next.after``.
  Incremental pulls use the search endpoint (``POST /crm/v3/objects/deals/search``) with a ``filterGroups``
  filter ``hs_lastmodifieddate GTE <cursor>``, sorted by it ascending. One search query cannot page past
  10,000 results, so before the offset reaches the cap the pull starts a new *slice* whose lower bound is the
  last modification time read: deals of that very millisecond are read twice, which the engine's digest makes
  a no-op. (More than a slice of deals sharing one millisecond cannot be sliced: the run stops, saying so.)
- Contacts and companies of a page come from the v4 association batch reads
  (``POST /crm/v4/associations/deals/{contacts|companies}/batch/read``, one call each per page); one deal
  re-fetched by a webhook reads ``GET /crm/v4/objects/deals/{id}/associations/{to}``. The primary company
  association (type 5) wins over the others.
- Limits: 190 requests per rolling 10 s for private apps on paid tiers. The bucket (18/s, bursts of 10) never
  lets more than 190 through in any 10 s. A 429 with ``policyName`` ``TEN_SECONDLY_ROLLING``/``SECONDLY`` is
  retried with backoff; ``DAILY`` (the daily quota) is not — the run fails with HubSpot's words and the
  connection backs off until the quota is back.
- Write-back: a note (``POST /crm/v3/objects/notes``) associated with the deal (type 214), contact (202) or
  ticket (228). A ticket opened in Kabinet is created (``POST /crm/v3/objects/tickets`` with ``hs_pipeline``
  and ``hs_pipeline_stage``, associated to the contact, type 16, and the company, 339).
- Agents' replies: a page of tickets reads its notes and emails by the v4 association batch reads
  (``/crm/v4/associations/tickets/{notes|emails}/batch/read``) and then the engagements themselves by the v3
  batch reads (``/crm/v3/objects/{notes|emails}/batch/read``): four calls per page whatever its size. An
  incoming email (``hs_email_direction`` ``INCOMING_EMAIL``) is the client's own, not an answer.
- Webhooks: a JSON array of events. ``X-HubSpot-Signature-v3`` = base64 HMAC-SHA256 of the client secret
  over method + full URI + body + ``X-HubSpot-Request-Timestamp``, compared in constant time; a timestamp more
  than 5 minutes from the time the inbox *received* the request is refused, and so are events of another
  ``portalId``. The deals named by ``deal.*`` events are fetched again; duplicates of an ``eventId`` in a
  batch count once, and a delivery HubSpot repeats re-fetches the same deal, which changes nothing.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import html
import json
import re
import time
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.core.providers import ConfigField
from kabinet.core.providers.crm import (
    CLOSED,
    FAILURE,
    PROCESS,
    SUCCESS,
    CrmCompany,
    CrmContact,
    CrmDeal,
    CrmError,
    CrmPipeline,
    CrmProvider,
    CrmReply,
    CrmStage,
    CrmTicket,
    DealPage,
    TicketPage,
)
from kabinet.integrations.base import HttpClient, RetryPolicy
from kabinet.integrations.crm.http import account_bucket, raise_for_status, store_tokens

API_URL = "https://api.hubapi.com"
# 10 + 18 × 10 = 190: whatever the timing, no rolling 10 s window sees more than HubSpot's 190.
RATE_PER_SECOND, BURST = 18.0, 10.0
RETRY = RetryPolicy(attempts=5, statuses=frozenset({429, 502, 503, 504}), initial=1.0, maximum=10.0)
PAGE = 100
SEARCH_CAP = 10_000
SIGNATURE_TOLERANCE = datetime.timedelta(minutes=5)
DEAL_PROPERTIES = [
    "dealname",
    "amount",
    "deal_currency_code",
    "pipeline",
    "dealstage",
    "hubspot_owner_id",
    "hs_lastmodifieddate",
]
TICKET_PROPERTIES = ["subject", "content", "hs_pipeline", "hs_pipeline_stage", "hs_lastmodifieddate"]
CONTACT_PROPERTIES = ["firstname", "lastname", "email", "hs_additional_emails", "phone", "mobilephone"]
PRIMARY_COMPANY = 5
# note → deal, note → contact, note → ticket (HUBSPOT_DEFINED)
NOTE_ASSOCIATION = {"deal": 214, "contact": 202, "ticket": 228}
TICKET_TO_CONTACT, TICKET_TO_COMPANY = 16, 339
# The engagements read as agents' answers on a ticket, with the properties each needs.
ENGAGEMENTS = {
    "notes": ["hs_note_body", "hs_timestamp", "hubspot_owner_id"],
    "emails": [
        "hs_email_text",
        "hs_email_html",
        "hs_email_direction",
        "hs_timestamp",
        "hubspot_owner_id",
    ],
}
BATCH = 100
BREAKS = re.compile(r"<\s*(br\s*/?|/p|/div|/li)\s*>", re.IGNORECASE)
TAGS = re.compile(r"<[^>]*>")


def plain_text(value: Any) -> str:
    """HubSpot's rich text (a note body, an email's HTML) as the plain text Kabinet's messages hold."""
    text = TAGS.sub("", BREAKS.sub("\n", str(value or "")))
    text = html.unescape(text).replace("\r\n", "\n")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in text.split("\n"))).strip()


def association(to_id: str, type_id: int) -> dict[str, Any]:
    return {
        "to": {"id": str(to_id)},
        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}],
    }


def chunks(ids: list[str], size: int = BATCH) -> list[list[str]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value or "0"))
    except InvalidOperation:
        return Decimal("0")


def moment(value: Any) -> datetime.datetime:
    """HubSpot's times: ISO 8601 with ``Z`` (``2026-01-05T10:00:00.123Z``) or epoch milliseconds."""
    text = str(value or "")
    if text.isdigit():
        return datetime.datetime.fromtimestamp(int(text) / 1000, tz=datetime.UTC)
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def millis(value: datetime.datetime) -> int:
    return int(value.timestamp() * 1000)


class HubSpotHttp(HttpClient):
    """The shared client, except that a 429 of the daily quota is not retried: it lasts until midnight."""

    def retryable(self, response: httpx.Response) -> bool:
        if response.status_code == 429 and policy(response) == "DAILY":
            return False
        return super().retryable(response)


def envelope(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def policy(response: httpx.Response) -> str:
    return str(envelope(response).get("policyName") or "")


class HubSpotProvider(CrmProvider):
    id = "hubspot"
    label = "HubSpot"
    config_schema = (
        ConfigField(
            "access_token",
            _("Access token (private app or OAuth)"),
            secret=True,
            help_text=_(
                "HubSpot → Settings → Integrations → Private apps, scopes crm.objects.deals.read, "
                "crm.objects.contacts.read/write, crm.objects.companies.read"
            ),
        ),
        ConfigField("refresh_token", _("Refresh token"), secret=True, required=False),
        ConfigField("client_id", _("App client id"), required=False),
        ConfigField(
            "client_secret",
            _("App client secret"),
            secret=True,
            required=False,
            help_text=_("Signs HubSpot's webhooks (signature v3); events are refused without it."),
        ),
        ConfigField(
            "portal_id",
            _("Account id (Hub ID)"),
            required=False,
            help_text=_("Events naming another account are refused."),
        ),
        ConfigField(
            "deal_properties",
            _("Extra deal properties"),
            required=False,
            help_text=_("Internal names, comma-separated, for the custom fields shown to clients."),
        ),
        ConfigField("inn_property", _("Company property holding the INN"), required=False),
        ConfigField("api_url", _("API address"), required=False, default=API_URL),
    )

    @property
    def account(self) -> str:
        return self.config.get("portal_id") or self.id

    # --- transport ---------------------------------------------------------------------------------------

    def http(self) -> HubSpotHttp:
        return HubSpotHttp(
            provider=self.id,
            account=self.account,
            base_url=self.config["api_url"].rstrip("/"),
            retry=RETRY,
            bucket=account_bucket(self, rate=RATE_PER_SECOND, capacity=BURST),
            secrets=[self.config[k] for k in ("access_token", "refresh_token", "client_secret")],
            headers={"Authorization": f"Bearer {self.config['access_token']}"},
            sleep=self.sleep or time.sleep,
        )

    def request(self, method: str, url: str, *, refreshed: bool = False, **kwargs: Any) -> dict[str, Any]:
        with self.http() as http:
            try:
                response = http.request(method, url, **kwargs)
            except httpx.HTTPError as error:
                raise CrmError("refused", f"HubSpot did not answer: {error}") from error
        if response.status_code == 401 and not refreshed and self.config["refresh_token"]:
            self.refresh()
            return self.request(method, url, refreshed=True, **kwargs)
        if response.status_code >= 400:
            raise_for_status(response.status_code, self.problem(response))
        return envelope(response)

    @staticmethod
    def problem(response: httpx.Response) -> str:
        """HubSpot's words: ``message`` with its ``category`` (and ``policyName`` for the rate limits)."""
        data = envelope(response)
        parts = [str(data[k]) for k in ("category", "policyName", "message") if data.get(k)]
        return ": ".join(parts) or response.text[:300] or f"HTTP {response.status_code}"

    def refresh(self) -> None:
        with HttpClient(
            provider=self.id,
            account=self.account,
            base_url=self.config["api_url"].rstrip("/"),
            secrets=[self.config["refresh_token"], self.config["client_secret"]],
            sleep=self.sleep or time.sleep,
        ) as http:
            try:
                response = http.post(
                    "/oauth/v1/token",
                    data={
                        "grant_type": "refresh_token",
                        "client_id": self.config["client_id"],
                        "client_secret": self.config["client_secret"],
                        "refresh_token": self.config["refresh_token"],
                    },
                )
            except httpx.HTTPError as error:
                raise CrmError("refused", f"HubSpot did not answer: {error}") from error
        data = envelope(response)
        if response.status_code != 200 or not data.get("access_token"):
            raise CrmError("auth", str(data.get("message") or data.get("status") or "refresh refused"))
        store_tokens(self, access_token=data["access_token"], refresh_token=data.get("refresh_token", ""))

    # --- reading -----------------------------------------------------------------------------------------

    def deal_properties(self) -> list[str]:
        extra = [p.strip() for p in self.config["deal_properties"].split(",") if p.strip()]
        return list(dict.fromkeys(DEAL_PROPERTIES + extra))

    def pipelines(self) -> list[CrmPipeline]:
        result = []
        for pipeline in self.request("GET", "/crm/v3/pipelines/deals").get("results", []):
            stages = []
            for stage in sorted(pipeline.get("stages") or [], key=lambda s: s.get("displayOrder") or 0):
                meta = stage.get("metadata") or {}
                semantics = PROCESS
                if str(meta.get("isClosed")).lower() == "true":
                    semantics = SUCCESS if decimal(meta.get("probability")) >= 1 else FAILURE
                stages.append(
                    CrmStage(
                        id=str(stage["id"]),
                        name=str(stage.get("label") or stage["id"]),
                        sort=int(stage.get("displayOrder") or 0),
                        semantics=semantics,
                    )
                )
            result.append(
                CrmPipeline(
                    id=str(pipeline["id"]),
                    name=str(pipeline.get("label") or pipeline["id"]),
                    stages=tuple(stages),
                )
            )
        return result

    def to_deal(self, row: dict[str, Any], contacts: list[dict], companies: list[dict]) -> CrmDeal:
        props = row.get("properties") or {}
        company = next(
            (
                c
                for c in companies
                if any(t.get("typeId") == PRIMARY_COMPANY for t in c.get("associationTypes") or ())
            ),
            companies[0] if companies else None,
        )
        extra = {p for p in self.deal_properties() if p not in DEAL_PROPERTIES}
        return CrmDeal(
            id=str(row["id"]),
            title=str(props.get("dealname") or ""),
            pipeline_id=str(props.get("pipeline") or ""),
            stage_id=str(props.get("dealstage") or ""),
            modified_at=moment(props.get("hs_lastmodifieddate") or row.get("updatedAt")),
            amount=decimal(props.get("amount")),
            currency=str(props.get("deal_currency_code") or "RUB"),
            contact_id=str(contacts[0]["toObjectId"]) if contacts else "",
            company_id=str(company["toObjectId"]) if company else "",
            responsible_id=str(props.get("hubspot_owner_id") or ""),
            fields={k: str(v) for k, v in props.items() if k in extra and v not in (None, "")},
        )

    def associated(self, kind: str, to: str, ids: list[str]) -> dict[str, list[dict]]:
        """The v4 batch read: each object's associations of one type, in one call."""
        if not ids:
            return {}
        data = self.request(
            "POST",
            f"/crm/v4/associations/{kind}/{to}/batch/read",
            json={"inputs": [{"id": object_id} for object_id in ids]},
        )
        return {str(item["from"]["id"]): item.get("to") or [] for item in data.get("results", [])}

    def rows(
        self, kind: str, properties: list[str], *, modified_since: datetime.datetime | None, page: str
    ) -> tuple[list[dict], str]:
        """One page of ``kind`` (``deals``, ``tickets``) and the token of the next.

        Tokens: ``list:<after>`` on the first import, ``search:<bound ms>:<offset>`` after it."""
        if modified_since is None and not page.startswith("search:"):
            after = page.removeprefix("list:")
            params: dict[str, Any] = {"limit": PAGE, "properties": ",".join(properties)}
            if after:
                params["after"] = after
            data = self.request("GET", f"/crm/v3/objects/{kind}", params=params)
            following = ((data.get("paging") or {}).get("next") or {}).get("after", "")
            rows = data.get("results", [])
            return rows, f"list:{following}" if following and rows else ""
        if page:
            _kind, bound_text, offset_text = page.split(":", 2)
            bound, offset = int(bound_text), int(offset_text or 0)
        else:
            bound, offset = millis(modified_since) if modified_since else 0, 0
        data = self.request(
            "POST",
            f"/crm/v3/objects/{kind}/search",
            json={
                "filterGroups": [
                    {
                        "filters": [
                            {"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": str(bound)}
                        ]
                    }
                ],
                "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
                "properties": properties,
                "limit": PAGE,
                "after": str(offset) if offset else "",
            },
        )
        rows = data.get("results", [])
        following = ((data.get("paging") or {}).get("next") or {}).get("after", "")
        if not following or not rows:
            return rows, ""
        if int(following) + PAGE > SEARCH_CAP:
            # The next page would pass the cap of one query: a new slice from the last time read.
            newest = max(millis(moment((r.get("properties") or {}).get("hs_lastmodifieddate"))) for r in rows)
            if newest <= bound:
                raise CrmError(
                    "refused",
                    f"more than {SEARCH_CAP} HubSpot {kind} share the modification time {bound}: cannot slice",
                )
            return rows, f"search:{newest}:"
        return rows, f"search:{bound}:{following}"

    def page(self, kind: str, properties: list[str], convert: Any, **query: Any) -> tuple[tuple, str]:
        """One page of ``kind`` with each object's contacts and companies (two v4 batch reads)."""
        rows, following = self.rows(kind, properties, **query)
        ids = [str(row["id"]) for row in rows]
        contacts = self.associated(kind, "contacts", ids)
        companies = self.associated(kind, "companies", ids)
        converted = tuple(
            convert(row, contacts.get(i, []), companies.get(i, [])) for row, i in zip(rows, ids, strict=True)
        )
        return converted, following

    def one(self, kind: str, object_id: str, properties: list[str], convert: Any) -> Any:
        """One object as it is now with its associations, or ``None`` when HubSpot no longer has it."""
        try:
            row = self.request(
                "GET", f"/crm/v3/objects/{kind}/{object_id}", params={"properties": ",".join(properties)}
            )
            contacts = self.request("GET", f"/crm/v4/objects/{kind}/{object_id}/associations/contacts")
            companies = self.request("GET", f"/crm/v4/objects/{kind}/{object_id}/associations/companies")
        except CrmError as error:
            if error.code == "not_found":
                return None
            raise
        return convert(row, contacts.get("results", []), companies.get("results", []))

    def deals(self, *, modified_since: datetime.datetime | None, page: str = "") -> DealPage:
        deals, following = self.page(
            "deals", self.deal_properties(), self.to_deal, modified_since=modified_since, page=page
        )
        return DealPage(deals=deals, next=following)

    def deal(self, deal_id: str) -> CrmDeal | None:
        return self.one("deals", deal_id, self.deal_properties(), self.to_deal)

    def contact(self, contact_id: str) -> CrmContact | None:
        try:
            row = self.request(
                "GET",
                f"/crm/v3/objects/contacts/{contact_id}",
                params={"properties": ",".join(CONTACT_PROPERTIES)},
            )
        except CrmError as error:
            if error.code == "not_found":
                return None
            raise
        props = row.get("properties") or {}
        emails = [str(props.get("email") or "")] + str(props.get("hs_additional_emails") or "").split(";")
        return CrmContact(
            id=str(row["id"]),
            first_name=str(props.get("firstname") or ""),
            last_name=str(props.get("lastname") or ""),
            emails=tuple(e.strip() for e in emails if e.strip()),
            phones=tuple(str(props[k]) for k in ("phone", "mobilephone") if props.get(k)),
        )

    def company(self, company_id: str) -> CrmCompany | None:
        inn_property = self.config["inn_property"]
        properties = ["name", "phone", "domain"] + ([inn_property] if inn_property else [])
        try:
            row = self.request(
                "GET", f"/crm/v3/objects/companies/{company_id}", params={"properties": ",".join(properties)}
            )
        except CrmError as error:
            if error.code == "not_found":
                return None
            raise
        props = row.get("properties") or {}
        return CrmCompany(
            id=str(row["id"]),
            name=str(props.get("name") or props.get("domain") or ""),
            inn=str(props.get(inn_property) or "") if inn_property else "",
            phones=(str(props["phone"]),) if props.get("phone") else (),
        )

    # --- tickets -----------------------------------------------------------------------------------------

    supports_tickets = True

    def ticket_pipelines(self) -> list[CrmPipeline]:
        """``GET /crm/v3/pipelines/tickets``: each stage's ``metadata.ticketState`` OPEN or CLOSED."""
        result = []
        for pipeline in self.request("GET", "/crm/v3/pipelines/tickets").get("results", []):
            stages = tuple(
                CrmStage(
                    id=str(stage["id"]),
                    name=str(stage.get("label") or stage["id"]),
                    sort=int(stage.get("displayOrder") or 0),
                    semantics=CLOSED
                    if str((stage.get("metadata") or {}).get("ticketState")).upper() == "CLOSED"
                    else PROCESS,
                )
                for stage in sorted(pipeline.get("stages") or [], key=lambda s: s.get("displayOrder") or 0)
            )
            result.append(
                CrmPipeline(
                    id=str(pipeline["id"]), name=str(pipeline.get("label") or pipeline["id"]), stages=stages
                )
            )
        return result

    @staticmethod
    def to_ticket(row: dict[str, Any], contacts: list[dict], companies: list[dict]) -> CrmTicket:
        props = row.get("properties") or {}
        return CrmTicket(
            id=str(row["id"]),
            subject=str(props.get("subject") or ""),
            content=str(props.get("content") or ""),
            pipeline_id=str(props.get("hs_pipeline") or ""),
            stage_id=str(props.get("hs_pipeline_stage") or ""),
            modified_at=moment(props.get("hs_lastmodifieddate") or row.get("updatedAt")),
            contact_id=str(contacts[0]["toObjectId"]) if contacts else "",
            company_id=str(companies[0]["toObjectId"]) if companies else "",
        )

    def tickets(self, *, modified_since: datetime.datetime | None, page: str = "") -> TicketPage:
        tickets, following = self.page(
            "tickets", TICKET_PROPERTIES, self.to_ticket, modified_since=modified_since, page=page
        )
        return TicketPage(tickets=tickets, next=following)

    def ticket(self, ticket_id: str) -> CrmTicket | None:
        return self.one("tickets", ticket_id, TICKET_PROPERTIES, self.to_ticket)

    @staticmethod
    def to_reply(kind: str, row: dict[str, Any], ticket_id: str) -> CrmReply | None:
        props = row.get("properties") or {}
        if kind == "emails":
            if str(props.get("hs_email_direction") or "").upper() == "INCOMING_EMAIL":
                return None  # the client's own mail to HubSpot, not an agent's answer
            body = str(props.get("hs_email_text") or "").strip() or plain_text(props.get("hs_email_html"))
        else:
            body = plain_text(props.get("hs_note_body"))
        if not body or row.get("archived"):
            return None
        return CrmReply(
            id=str(row["id"]),
            ticket_id=ticket_id,
            body=body,
            created_at=moment(props.get("hs_timestamp") or row.get("createdAt")),
            author_id=str(props.get("hubspot_owner_id") or ""),
            kind=kind.removesuffix("s"),
        )

    def ticket_replies(self, ticket_ids: list[str]) -> dict[str, list[CrmReply]]:
        """Notes and emails of the tickets: the v4 association batch read, then the v3 batch read of each."""
        result: dict[str, list[CrmReply]] = {ticket_id: [] for ticket_id in ticket_ids}
        for kind, properties in ENGAGEMENTS.items():
            owners: dict[str, str] = {}  # engagement id → its ticket
            for chunk in chunks(ticket_ids):
                for ticket_id, targets in self.associated("tickets", kind, chunk).items():
                    for target in targets:
                        owners.setdefault(str(target["toObjectId"]), ticket_id)
            for chunk in chunks(list(owners)):
                data = self.request(
                    "POST",
                    f"/crm/v3/objects/{kind}/batch/read",
                    json={"properties": properties, "inputs": [{"id": i} for i in chunk]},
                )
                for row in data.get("results", []):  # an engagement deleted since is in "errors" (207)
                    reply = self.to_reply(kind, row, owners.get(str(row.get("id")), ""))
                    if reply is not None and reply.ticket_id in result:
                        result[reply.ticket_id].append(reply)
        for replies in result.values():
            replies.sort(key=lambda reply: (reply.created_at, int(reply.id) if reply.id.isdigit() else 0))
        return result

    def create_ticket(
        self,
        *,
        subject: str,
        content: str,
        pipeline_id: str,
        stage_id: str,
        contact_id: str,
        company_id: str = "",
    ) -> str:
        associations = [association(contact_id, TICKET_TO_CONTACT)]
        if company_id:
            associations.append(association(company_id, TICKET_TO_COMPANY))
        data = self.request(
            "POST",
            "/crm/v3/objects/tickets",
            json={
                "properties": {
                    "subject": subject,
                    "content": content,
                    "hs_pipeline": pipeline_id,
                    "hs_pipeline_stage": stage_id,
                },
                "associations": associations,
            },
        )
        ticket_id = str(data.get("id") or "")
        if not ticket_id:
            raise CrmError("refused", "HubSpot answered without the new ticket's id")
        return ticket_id

    # --- writing back, events ----------------------------------------------------------------------------

    def add_comment(self, *, entity: str, entity_id: str, text: str) -> str:
        data = self.request(
            "POST",
            "/crm/v3/objects/notes",
            json={
                "properties": {
                    "hs_timestamp": timezone.now().isoformat(timespec="milliseconds"),
                    "hs_note_body": text,
                },
                "associations": [association(entity_id, NOTE_ASSOCIATION[entity])],
            },
        )
        return str(data.get("id") or "")

    def verify_signature(
        self,
        body: bytes,
        *,
        method: str,
        url: str,
        headers: dict[str, str],
        received_at: datetime.datetime | None,
    ) -> None:
        """Signature v3 over what HubSpot signed, in constant time; too old a timestamp is a replay."""
        secret = self.config["client_secret"]
        if not secret:
            raise CrmError("auth", "no client secret: HubSpot's events cannot be verified")
        lowered = {k.lower(): v for k, v in headers.items()}
        timestamp = str(lowered.get("x-hubspot-request-timestamp") or "")
        given = str(lowered.get("x-hubspot-signature-v3") or "")
        if not timestamp.isdigit() or not given:
            raise CrmError("auth", "the event is not signed (X-HubSpot-Signature-v3)")
        received = received_at or timezone.now()
        if abs(received - moment(timestamp)) > SIGNATURE_TOLERANCE:
            raise CrmError("auth", "the event's timestamp is more than 5 minutes old")
        # HubSpot signs the address it was given: the portal's public one, or the one it reached (Host).
        addresses = [url]
        host, path = lowered.get("host", ""), httpx.URL(url).raw_path.decode() if url else ""
        if host and path:
            addresses += [f"https://{host}{path}", f"http://{host}{path}"]
        matches = False
        for address in dict.fromkeys(addresses):
            message = method.upper().encode() + address.encode() + body + timestamp.encode()
            expected = base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()
            matches |= hmac.compare_digest(expected.encode(), given.encode())
        if not matches:
            raise CrmError("auth", "the signature does not match")

    def webhook_objects(self, body: bytes, prefix: str, request: dict[str, Any]) -> list[str]:
        """The ids of the objects a verified batch names with ``prefix`` events (``deal.``, ``ticket.``)."""
        self.verify_signature(
            body,
            method=str(request.get("method") or "POST"),
            url=str(request.get("url") or ""),
            headers=dict(request.get("headers") or {}),
            received_at=request.get("received_at"),
        )
        try:
            events = json.loads(body)
        except ValueError as error:
            raise CrmError("refused", "not JSON") from error
        if not isinstance(events, list):
            raise CrmError("refused", "HubSpot posts a JSON array of events")
        expected_portal = self.config["portal_id"]
        seen, ids = set(), []
        for item in events:
            if not isinstance(item, dict) or item.get("eventId") in seen:
                continue
            seen.add(item.get("eventId"))
            if expected_portal and str(item.get("portalId")) != expected_portal:
                raise CrmError("auth", f"the event names another HubSpot account ({item.get('portalId')})")
            if str(item.get("subscriptionType") or "").startswith(prefix) and item.get("objectId"):
                object_id = str(item["objectId"])
                if object_id not in ids:
                    ids.append(object_id)
        return ids

    def webhook_deal_ids(self, body: bytes, content_type: str = "", **request: Any) -> list[str]:
        return self.webhook_objects(body, "deal.", request)

    def webhook_ticket_ids(self, body: bytes, content_type: str = "", **request: Any) -> list[str]:
        return self.webhook_objects(body, "ticket.", request)
