"""YCLIENTS (INTEGRATIONS.md; the YCLIENTS API blueprint): companies → branches, services, staff and records →
Kabinet bookings, both ways; loyalty cards read by client.

- ``https://api.yclients.com/api/v1`` with ``Accept: application/vnd.yclients.v2+json`` and
  ``Authorization: Bearer <partner token>, User <user token>``. The user token comes from ``POST /auth
  {login, password}`` (with the partner token alone); it is handed to the connection to store, encrypted.
  A 401 with a stored login is answered by one new ``/auth`` and the call repeated; a 401 after that, or a
  refused ``/auth``, stops the sync (``CrmError("auth")``) and the engine tells the administrators.
- Every answer is an envelope ``{"success", "data", "meta"}``: ``success: false`` is a refusal whatever the
  HTTP status, and ``meta.message`` with ``meta.errors`` is what staff read, in YCLIENTS's own words.
- Limits: 200 requests a minute or 5 a second per IP. The bucket (3/s, bursts of 2) never lets more than 5
  through in any second, nor more than 182 in any minute; a 429 is retried with backoff.
- Records: ``GET /records/{company}?page=&count=200&changed_after=``, ``meta.total_count`` tells when the
  last page is read; one record ``GET /record/{company}/{id}`` (404 or ``deleted: true`` once deleted).
- Booking from Kabinet: ``POST /book_record/{company}`` ``{phone, fullname, email, code, comment, api_id,
  appointments:[{id, services, staff_id, datetime}]}`` → 201 ``[{id, record_id, record_hash}]``; its errors are
  codes 431–438 in ``meta``. Cancelling: ``DELETE /record/{company}/{id}`` (204).
- Webhooks are unsigned ``{company_id, resource, resource_id, status, data}``: a secret path (the inbox), the
  company id must be one of the connection's, and each record named is fetched again.

Where this file and YCLIENTS's current documentation disagree, the documentation wins: services' ``duration``
is read in seconds, staff's services from ``services_links`` (as the API answers them today).
"""

from __future__ import annotations

import datetime
import json
import time
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kabinet.core.providers import ConfigField
from kabinet.core.providers.crm import (
    WAITING,
    CrmBranch,
    CrmCompany,
    CrmContact,
    CrmDeal,
    CrmError,
    CrmPipeline,
    CrmProvider,
    CrmRecord,
    CrmService,
    CrmStaff,
    DealPage,
    LoyaltyCard,
    RecordPage,
)
from kabinet.integrations.base import HttpClient, RetryPolicy
from kabinet.integrations.crm.http import REFUSALS, account_bucket

API_URL = "https://api.yclients.com/api/v1"
ACCEPT = "application/vnd.yclients.v2+json"
# 2 + 3 × 1 = 5 in any second; 2 + 3 × 60 = 182 ≤ 200 in any minute.
RATE_PER_SECOND, BURST = 3.0, 2.0
RETRY = RetryPolicy(attempts=5, statuses=frozenset({429, 502, 503, 504}), initial=1.0, maximum=20.0)
PAGE = 200
# The bonus ledger: YCLIENTS's cards are the truth (Kabinet mirrors them, read-only), or Kabinet owns it.
MIRROR, KABINET_OWNS = "mirror", "kabinet"
LOYALTY_MODES = (MIRROR, KABINET_OWNS)


def decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation:
        return Decimal("0")


def moment(value: Any) -> datetime.datetime | None:
    """YCLIENTS's times: ``2026-09-21T12:00:00+03:00`` or ``…+0300``; ``None`` when unreadable."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def envelope(response: httpx.Response) -> dict[str, Any]:
    if response.status_code == 204 or not response.content:
        return {"success": response.status_code < 400, "data": None, "meta": {}}
    try:
        data = response.json(parse_float=Decimal)
    except ValueError:
        return {"success": False, "data": None, "meta": {"message": response.text[:300]}}
    return data if isinstance(data, dict) else {"success": response.status_code < 400, "data": data}


def words(body: dict[str, Any], status: int) -> str:
    """YCLIENTS's own words: ``meta.message`` and each of ``meta.errors`` (``field: text``)."""
    meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
    parts = [str(meta["message"])] if meta.get("message") else []
    errors = meta.get("errors") or {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            text = "; ".join(map(str, value)) if isinstance(value, list) else str(value)
            parts.append(f"{key}: {text}")
    elif isinstance(errors, list):
        parts += [str(e) for e in errors]
    if meta.get("code") and parts:
        parts[0] = f"{meta['code']} {parts[0]}"
    return " — ".join(parts) or f"HTTP {status}"


class YclientsProvider(CrmProvider):
    id = "yclients"
    label = "YCLIENTS"
    supports_bookings = True
    config_schema = (
        ConfigField(
            "partner_token",
            _("Partner token"),
            secret=True,
            help_text=_("YCLIENTS → the developer's account (partner) → API token."),
        ),
        ConfigField("login", _("YCLIENTS user login (phone or email)"), required=False),
        ConfigField(
            "password",
            _("YCLIENTS user password"),
            secret=True,
            required=False,
            help_text=_(
                "Used only to obtain the user token (POST /auth); not needed when you paste the token."
            ),
        ),
        ConfigField("user_token", _("User token"), secret=True, required=False),
        ConfigField(
            "company_ids",
            _("Company ids"),
            required=False,
            help_text=_("Comma-separated; empty: every company the user may manage."),
        ),
        ConfigField(
            "loyalty",
            _("Bonus ledger"),
            required=False,
            default="mirror",
            help_text=_(
                "mirror: YCLIENTS's loyalty cards are the truth (read-only); kabinet: Kabinet owns it."
            ),
        ),
        ConfigField("api_url", _("API address"), required=False, default=API_URL),
    )

    @classmethod
    def clean_config(cls, data: Any) -> dict[str, str]:
        cleaned = super().clean_config(data)
        if cleaned["loyalty"] not in LOYALTY_MODES:
            raise ValidationError(
                {"loyalty": ValidationError(_("Choose mirror or kabinet."), code="loyalty")}
            )
        return cleaned

    @property
    def account(self) -> str:
        return self.config.get("login") or self.id

    def company_ids(self) -> list[str]:
        return [c.strip() for c in self.config.get("company_ids", "").split(",") if c.strip()]

    # --- transport ---------------------------------------------------------------------------------------

    def http(self, *, user: bool = True) -> HttpClient:
        authorization = f"Bearer {self.config['partner_token']}"
        if user and self.config.get("user_token"):
            authorization += f", User {self.config['user_token']}"
        return HttpClient(
            provider=self.id,
            account=self.account,
            base_url=self.config["api_url"].rstrip("/"),
            retry=RETRY,
            bucket=account_bucket(self, rate=RATE_PER_SECOND, capacity=BURST),
            secrets=[
                self.config[k] for k in ("partner_token", "user_token", "password") if self.config.get(k)
            ],
            headers={"Authorization": authorization, "Accept": ACCEPT, "Content-Type": "application/json"},
            sleep=self.sleep or time.sleep,
        )

    def call(self, method: str, url: str, *, renewed: bool = False, user: bool = True, **kwargs: Any) -> dict:
        """The envelope of a successful answer; anything else raises ``CrmError`` with YCLIENTS's words."""
        if user and not self.config.get("user_token") and self.config.get("login"):
            self.authenticate()
        with self.http(user=user) as http:
            try:
                response = http.request(method, url, **kwargs)
            except httpx.HTTPError as error:
                raise CrmError("refused", f"YCLIENTS did not answer: {error}") from error
        body = envelope(response)
        status = response.status_code
        if (
            status == 401
            and user
            and not renewed
            and self.config.get("login")
            and self.config.get("password")
        ):
            self.authenticate()
            return self.call(method, url, renewed=True, user=user, **kwargs)
        if status >= 400 or body.get("success") is False:
            raise CrmError(REFUSALS.get(status, "refused"), words(body, status))
        return body

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        return self.call(method, url, **kwargs).get("data")

    def request_meta(self, method: str, url: str, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        """As :meth:`request`, with ``meta`` (the pages' ``total_count``)."""
        body = self.call(method, url, **kwargs)
        meta = body.get("meta")
        return body.get("data"), meta if isinstance(meta, dict) else {}

    def authenticate(self) -> None:
        """``POST /auth {login, password}`` with the partner token: the user token, stored by the connection."""
        if not self.config.get("login") or not self.config.get("password"):
            raise CrmError("auth", "no YCLIENTS login and password to obtain a user token")
        with self.http(user=False) as http:
            try:
                response = http.post(
                    "/auth", json={"login": self.config["login"], "password": self.config["password"]}
                )
            except httpx.HTTPError as error:
                raise CrmError("refused", f"YCLIENTS did not answer: {error}") from error
        body = envelope(response)
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        if response.status_code >= 400 or body.get("success") is False or not data.get("user_token"):
            code = "rate_limited" if response.status_code == 429 else "auth"
            raise CrmError(code, words(body, response.status_code))
        self.config = {**self.config, "user_token": str(data["user_token"])}
        self.save_config(dict(self.config))

    # --- the CRM contract: YCLIENTS keeps no deals --------------------------------------------------------

    def pipelines(self) -> list[CrmPipeline]:
        return []

    def deals(self, *, modified_since: datetime.datetime | None, page: str = "") -> DealPage:
        return DealPage(deals=())

    def deal(self, deal_id: str) -> CrmDeal | None:
        return None

    def contact(self, contact_id: str) -> CrmContact | None:
        """``<company id>:<client id>`` (YCLIENTS's clients belong to a company): ``GET /client/{c}/{id}``."""
        company_id, _sep, client_id = contact_id.partition(":")
        try:
            row = self.request("GET", f"/client/{company_id}/{client_id}")
        except CrmError as error:
            if error.code == "not_found":
                return None
            raise
        return self.to_client(company_id, row or {})

    @staticmethod
    def to_client(company_id: str, row: dict[str, Any]) -> CrmContact:
        names = str(row.get("name") or "").split()
        surname = str(row.get("surname") or "")
        return CrmContact(
            id=f"{company_id}:{row.get('id')}",
            first_name=names[0] if names else "",
            last_name=surname or " ".join(names[1:]),
            emails=(str(row["email"]),) if row.get("email") else (),
            phones=(str(row["phone"]),) if row.get("phone") else (),
        )

    def company(self, company_id: str) -> CrmCompany | None:
        return None  # YCLIENTS's clients are people; its "companies" are the business's own branches

    def add_comment(self, *, entity: str, entity_id: str, text: str) -> str:
        return ""  # YCLIENTS has no timeline to write on: client actions reach it as records only

    def webhook_deal_ids(self, body: bytes, content_type: str = "", **request: Any) -> list[str]:
        return []

    # --- bookings ------------------------------------------------------------------------------------------

    def branches(self) -> list[CrmBranch]:
        wanted = self.company_ids()
        rows = self.request("GET", "/companies", params={"my": 1}) or []
        result = []
        for row in rows:
            if wanted and str(row.get("id")) not in wanted:
                continue
            result.append(
                CrmBranch(
                    id=str(row["id"]),
                    name=str(row.get("title") or row.get("public_title") or row["id"]),
                    time_zone=str(row.get("timezone_name") or ""),
                    address=str(row.get("address") or ""),
                    phone=str(row.get("phone") or ""),
                )
            )
        return result

    def services(self, branch_id: str) -> list[CrmService]:
        rows = self.request("GET", f"/company/{branch_id}/services") or []
        return [
            CrmService(
                id=str(row["id"]),
                branch_id=branch_id,
                name=str(row.get("title") or row["id"]),
                duration_minutes=max(5, int(row.get("duration") or 3600) // 60),
                price=decimal(row.get("price_min")),
                active=bool(row.get("active", 1)),
            )
            for row in rows
        ]

    def staff(self, branch_id: str) -> list[CrmStaff]:
        rows = self.request("GET", f"/company/{branch_id}/staff") or []
        return [
            CrmStaff(
                id=str(row["id"]),
                branch_id=branch_id,
                name=str(row.get("name") or row["id"]),
                title=str(row.get("specialization") or ""),
                service_ids=tuple(str(link["service_id"]) for link in row.get("services_links") or ()),
                active=not row.get("fired") and not row.get("is_deleted"),
            )
            for row in rows
        ]

    def to_record(self, branch_id: str, row: dict[str, Any]) -> CrmRecord:
        client = row.get("client") or None
        starts = moment(row.get("datetime")) or moment(row.get("date"))
        if starts is None:
            raise CrmError("refused", f"record {row.get('id')} has no datetime")
        return CrmRecord(
            id=str(row["id"]),
            branch_id=str(row.get("company_id") or branch_id),
            staff_id=str(row.get("staff_id") or (row.get("staff") or {}).get("id") or ""),
            service_ids=tuple(str(s["id"]) for s in row.get("services") or ()),
            starts_at=starts,
            minutes=max(5, int(row.get("seance_length") or 3600) // 60),
            attendance=int(row.get("attendance") if row.get("attendance") is not None else WAITING),
            confirmed=bool(row.get("confirmed")),
            deleted=bool(row.get("deleted")),
            client_id=f"{branch_id}:{client['id']}" if client and client.get("id") else "",
            client=self.to_client(branch_id, client) if client and client.get("id") else None,
            cost=sum((decimal(s.get("cost")) for s in row.get("services") or ()), Decimal("0")),
            modified_at=moment(row.get("last_change_date")),
            comment=str(row.get("comment") or ""),
        )

    def records(
        self, branch_id: str, *, changed_after: datetime.datetime | None, page: str = ""
    ) -> RecordPage:
        number = int(page or 1)
        params: dict[str, Any] = {"page": number, "count": PAGE}
        if changed_after is not None:
            params["changed_after"] = changed_after.isoformat(timespec="seconds")
        rows, meta = self.request_meta("GET", f"/records/{branch_id}", params=params)
        rows = rows or []
        total = int(meta.get("total_count") or 0)
        following = str(number + 1) if rows and number * PAGE < total else ""
        return RecordPage(records=tuple(self.to_record(branch_id, r) for r in rows), next=following)

    def record(self, branch_id: str, record_id: str) -> CrmRecord | None:
        try:
            row = self.request("GET", f"/record/{branch_id}/{record_id}")
        except CrmError as error:
            if error.code == "not_found":
                return None
            raise
        return self.to_record(branch_id, row) if row else None

    def create_record(
        self,
        *,
        branch_id: str,
        staff_id: str,
        service_id: str,
        starts_at: datetime.datetime,
        phone: str,
        name: str,
        email: str = "",
        comment: str = "",
        api_id: str = "",
        code: str = "",
    ) -> str:
        body: dict[str, Any] = {
            "phone": phone,
            "fullname": name,
            "email": email,
            "comment": comment,
            "api_id": api_id,
            "appointments": [
                {
                    "id": 1,
                    "services": [int(service_id)],
                    "staff_id": int(staff_id),
                    "datetime": starts_at.isoformat(timespec="seconds"),
                }
            ],
        }
        if code:
            body["code"] = code
        rows = self.request("POST", f"/book_record/{branch_id}", json=body) or []
        if not rows or not rows[0].get("record_id"):
            raise CrmError("refused", "YCLIENTS answered no record id")
        return str(rows[0]["record_id"])

    def cancel_record(self, *, branch_id: str, record_id: str) -> None:
        try:
            self.request("DELETE", f"/record/{branch_id}/{record_id}")
        except CrmError as error:
            if error.code != "not_found":  # already gone there: what cancelling wanted
                raise

    def loyalty_cards(self, branch_id: str, client_id: str) -> list[LoyaltyCard]:
        """``GET /loyalty/client_cards/{client id}`` (``client_id`` as :meth:`contact` takes it)."""
        _company, _sep, client = client_id.rpartition(":")
        try:
            rows = self.request("GET", f"/loyalty/client_cards/{client}") or []
        except CrmError as error:
            if error.code == "not_found":
                return []
            raise
        return [
            LoyaltyCard(
                id=str(row["id"]),
                number=str(row.get("number") or ""),
                name=str((row.get("type") or {}).get("title") or ""),
                balance=decimal(row.get("balance")),
                points=decimal(row.get("points")),
            )
            for row in rows
        ]

    def webhook_records(self, body: bytes, content_type: str = "", **request: Any) -> list[tuple[str, str]]:
        """The records an event names. Unsigned: its ``company_id`` must be one of the connection's
        (``known_companies`` in ``request``, else the configured ids), or it is refused."""
        try:
            events = json.loads(body, parse_float=Decimal)
        except ValueError as error:
            raise CrmError("refused", "not JSON") from error
        events = events if isinstance(events, list) else [events]
        known = set(request.get("known_companies") or ()) | set(self.company_ids())
        result: list[tuple[str, str]] = []
        for item in events:
            if not isinstance(item, dict):
                continue
            company = str(item.get("company_id") or "")
            if not company or company not in known:
                raise CrmError("auth", f"the event names another YCLIENTS company ({company or '—'})")
            if item.get("resource") != "record":
                continue
            record_id = str(item.get("resource_id") or (item.get("data") or {}).get("id") or "")
            if record_id and (company, record_id) not in result:
                result.append((company, record_id))
        return result
