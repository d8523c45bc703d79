"""A HubSpot account stand-in speaking the documented shapes (INTEGRATIONS.md, HubSpot's developer docs and
Python SDK), for pytest-httpserver and the demo: CRM v3 objects (``results`` + ``paging.next.after``), the
search endpoint with its 10,000-result cap, v4 association batch reads, deal pipelines, notes, the OAuth
refresh, the error envelope (``status``, ``message``, ``category``, ``policyName``) and signed webhook batches
(``X-HubSpot-Signature-v3``).

Tickets' conversations: an agent's note or email on a ticket (``add_note``, ``add_email``; associated both
ways, types 227/228 and 223/224), the v3 batch reads of notes and emails, a ticket created by
``POST /crm/v3/objects/tickets`` with its associations (kept in ``created_tickets``), refusals aimed at one
path (``refuse_next(…, path=…)``) and an access token that expires in the middle of a sync
(``expire_token_after``)."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import parse_qs

from werkzeug import Request, Response

START_MS = 1_764_000_000_000  # the stand-in's clock: one second per change, never the machine's
PIPELINE = "default"
STAGES = [
    ("appointmentscheduled", "Appointment scheduled", 0, "false", "0.2"),
    ("qualifiedtobuy", "Qualified to buy", 1, "false", "0.4"),
    ("contractsent", "Contract sent", 2, "false", "0.8"),
    ("closedwon", "Closed won", 3, "true", "1.0"),
    ("closedlost", "Closed lost", 4, "true", "0.0"),
]
TICKET_PIPELINE = "0"
TICKET_STAGES = [
    ("1", "New", 0, "OPEN"),
    ("2", "Waiting on contact", 1, "OPEN"),
    ("3", "Waiting on us", 2, "OPEN"),
    ("4", "Closed", 3, "CLOSED"),
]
# HUBSPOT_DEFINED association types (HubSpot's association type ids).
DEAL_TO_CONTACT, DEAL_TO_COMPANY_PRIMARY, DEAL_TO_COMPANY = 3, 5, 341
SEARCH_CAP = 10_000


def iso(ms: int) -> str:
    moment = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def signature_v3(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """HubSpot's v3 signature: base64 of HMAC-SHA256(client secret, method + URI + body + timestamp)."""
    message = method.encode() + uri.encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


class HubSpotStandIn:
    def __init__(self, *, portal_id: int = 62515, access_token: str = "pat-eu1-hub-1") -> None:  # noqa: S107
        self.portal_id, self.access_token = portal_id, access_token
        self.objects: dict[str, dict[str, dict[str, Any]]] = {
            "deals": {},
            "contacts": {},
            "companies": {},
            "tickets": {},
            "notes": {},
            "emails": {},
        }
        # (object id, to) → [(id, type)]: HubSpot's ids are unique across types, so one table serves all
        self.associations: dict[tuple[str, str], list[tuple[str, int]]] = {}
        self.notes: list[dict[str, Any]] = []  # the notes posted through the API (Kabinet's write-back)
        self.created_tickets: list[dict[str, Any]] = []  # the tickets posted through the API
        self.refusals: list[tuple[int, dict[str, Any], str]] = []
        self.expiry: tuple[int, str] | None = None
        self.refresh_tokens: dict[str, str] = {}
        self.calls: list[str] = []
        self.clock = START_MS
        self.next_id = 9_000_000_000
        self.page_cap = 100
        self.search_cap = SEARCH_CAP
        self.daily_remaining = 250_000
        self.event_ids = 100

    # --- the account's data --------------------------------------------------------------------------------

    def new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def tick(self) -> int:
        self.clock += 1000
        return self.clock

    def add(self, kind: str, properties: dict[str, Any]) -> str:
        object_id = self.new_id()
        now = self.tick()
        self.objects[kind][object_id] = {
            "id": object_id,
            "properties": {
                **{k: None if v is None else str(v) for k, v in properties.items()},
                "hs_object_id": object_id,
                "createdate": iso(now),
                "hs_lastmodifieddate": iso(now),
            },
            "createdAt": iso(now),
            "updatedAt": iso(now),
            "archived": False,
        }
        return object_id

    def add_contact(self, first: str, last: str = "", *, phone: str = "", email: str = "") -> str:
        return self.add(
            "contacts", {"firstname": first, "lastname": last, "phone": phone or None, "email": email or None}
        )

    def add_company(self, name: str, **properties: Any) -> str:
        return self.add("companies", {"name": name, "domain": None, **properties})

    def add_deal(
        self,
        name: str,
        *,
        stage: str = "appointmentscheduled",
        amount: str = "",
        contact: str = "",
        company: str = "",
        **properties: Any,
    ) -> str:
        deal_id = self.add(
            "deals",
            {
                "dealname": name,
                "amount": amount or None,
                "deal_currency_code": "RUB",
                "pipeline": PIPELINE,
                "dealstage": stage,
                "hubspot_owner_id": "75123",
                **properties,
            },
        )
        if contact:
            self.associations[(deal_id, "contacts")] = [(contact, DEAL_TO_CONTACT)]
        if company:
            self.associations[(deal_id, "companies")] = [
                (company, DEAL_TO_COMPANY_PRIMARY),
                (company, DEAL_TO_COMPANY),
            ]
        return deal_id

    def add_ticket(
        self, subject: str, *, content: str = "", stage: str = "1", contact: str = "", company: str = ""
    ) -> str:
        ticket_id = self.add(
            "tickets",
            {
                "subject": subject,
                "content": content or None,
                "hs_pipeline": TICKET_PIPELINE,
                "hs_pipeline_stage": stage,
                "hs_ticket_priority": "MEDIUM",
            },
        )
        if contact:
            self.associations[(ticket_id, "contacts")] = [(contact, 16)]  # ticket → contact
        if company:
            self.associations[(ticket_id, "companies")] = [(company, 339)]  # ticket → company
        return ticket_id

    def associate(self, one: str, one_kind: str, other: str, other_kind: str, types: tuple[int, int]) -> None:
        """Both directions of an association (HubSpot lists it from either side, each with its type)."""
        self.associations.setdefault((one, other_kind), []).append((other, types[0]))
        self.associations.setdefault((other, one_kind), []).append((one, types[1]))

    def touch(self, kind: str, object_id: str) -> None:
        if object_id in self.objects[kind]:
            self.update(kind, object_id)

    def add_note(self, ticket: str, body: str, *, owner: str = "") -> str:
        """An agent's note on a ticket, written in HubSpot (note → ticket 228, ticket → note 227)."""
        note_id = self.add(
            "notes",
            {"hs_note_body": body, "hs_timestamp": iso(self.clock + 1000), "hubspot_owner_id": owner or None},
        )
        self.associate(ticket, "tickets", note_id, "notes", (227, 228))
        self.touch("tickets", ticket)
        return note_id

    def add_email(self, ticket: str, text: str, *, direction: str = "EMAIL", owner: str = "") -> str:
        """An email logged on a ticket: ``EMAIL`` an agent's, ``INCOMING_EMAIL`` the client's."""
        email_id = self.add(
            "emails",
            {
                "hs_email_text": text,
                "hs_email_html": f"<div>{text}</div>",
                "hs_email_direction": direction,
                "hs_email_subject": "Re: ticket",
                "hs_timestamp": iso(self.clock + 1000),
                "hubspot_owner_id": owner or None,
            },
        )
        self.associate(ticket, "tickets", email_id, "emails", (223, 224))
        self.touch("tickets", ticket)
        return email_id

    def expire_token_after(self, calls: int, *, refresh_token: str, renewed: str) -> None:
        """The access token stops working after ``calls`` more calls; ``refresh_token`` then gives
        ``renewed``."""
        self.expiry = (calls, refresh_token)
        self.refresh_tokens[refresh_token] = renewed

    def update(self, kind: str, object_id: str, **properties: Any) -> None:
        row = self.objects[kind][object_id]
        now = self.tick()
        row["properties"].update({k: str(v) for k, v in properties.items()}, hs_lastmodifieddate=iso(now))
        row["updatedAt"] = iso(now)

    def refuse_next(self, status: int, message: str, category: str, *, path: str = "", **extra: Any) -> None:
        """Refuse the next call (the next one whose path contains ``path``)."""
        self.refusals.append(
            (
                status,
                {
                    "status": "error",
                    "message": message,
                    "correlationId": "aeb5f871-7f07-4993-9211-075dc63e7cbf",
                    "category": category,
                    **extra,
                },
                path,
            )
        )

    # --- HTTP ---------------------------------------------------------------------------------------------

    def json(self, data: Any, status: int = 200) -> Response:
        response = Response(json.dumps(data), status=status, content_type="application/json;charset=utf-8")
        response.headers["X-HubSpot-RateLimit-Daily"] = "250000"
        response.headers["X-HubSpot-RateLimit-Daily-Remaining"] = str(self.daily_remaining)
        response.headers["X-HubSpot-RateLimit-Max"] = "190"
        response.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] = "10000"
        return response

    def error(self, status: int, message: str, category: str) -> Response:
        return self.json(
            {"status": "error", "message": message, "correlationId": "c-1", "category": category}, status
        )

    def handler(self, request: Request) -> Response:
        self.calls.append(f"{request.method} {request.path}")
        for index, (status, body, fragment) in enumerate(self.refusals):
            if fragment in request.path:
                del self.refusals[index]
                return self.json(body, status)
        if self.expiry is not None:
            left, refresh_token = self.expiry
            if left <= 0:  # its 30 minutes are over: the old token is refused from now on
                self.access_token, self.expiry = f"{self.access_token}-expired", None
                self.refresh_tokens.setdefault(refresh_token, self.access_token)
            else:
                self.expiry = (left - 1, refresh_token)
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            return self.error(
                401,
                "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can "
                "find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                "INVALID_AUTHENTICATION",
            )
        self.daily_remaining -= 1
        path = request.path
        parts = path.strip("/").split("/")
        if path == "/crm/v3/pipelines/deals":
            return self.json({"results": [self.pipeline()]})
        if path == "/crm/v3/pipelines/tickets":
            return self.json({"results": [self.ticket_pipeline()]})
        if path == "/crm/v3/objects/notes" and request.method == "POST":
            body = json.loads(request.data)
            note_id = str(70_000 + len(self.notes))
            self.notes.append({**body, "id": note_id})
            now = iso(self.tick())
            row = {"id": note_id, "properties": body["properties"], "createdAt": now, "updatedAt": now}
            self.objects["notes"][note_id] = {**row, "archived": False}
            for item in body.get("associations") or []:
                if item["types"][0]["associationTypeId"] == 228:  # note → ticket
                    self.associate(str(item["to"]["id"]), "tickets", note_id, "notes", (227, 228))
            return self.json(row, 201)
        if path == "/crm/v3/objects/tickets" and request.method == "POST":
            return self.create_ticket(json.loads(request.data))
        if parts[:3] == ["crm", "v4", "associations"] and parts[-2:] == ["batch", "read"]:
            return self.batch_associations(parts[3], parts[4], json.loads(request.data))
        if parts[:3] == ["crm", "v4", "objects"] and len(parts) == 7 and parts[5] == "associations":
            kind, object_id, to = parts[3], parts[4], parts[6]
            return self.json(
                {
                    "results": [
                        self.association(to_id, type_id) for to_id, type_id in self.linked(object_id, to)
                    ]
                }
            )
        if parts[:3] == ["crm", "v3", "objects"] and len(parts) >= 4 and parts[3] in self.objects:
            kind = parts[3]
            if len(parts) == 5 and parts[4] == "search" and request.method == "POST":
                return self.search(kind, json.loads(request.data))
            if len(parts) == 6 and parts[4:] == ["batch", "read"] and request.method == "POST":
                return self.batch_read(kind, json.loads(request.data))
            if len(parts) == 4:
                return self.list(kind, request)
            row = self.objects[kind].get(parts[4])
            if row is None or row["archived"]:
                return self.error(404, "Object not found.  objectId are usually numeric.", "OBJECT_NOT_FOUND")
            return self.json(self.shaped(row, request.args.get("properties", "")))
        return self.error(404, f"Unable to route {request.method} request for {path}", "NOT_FOUND")

    def pipeline(self) -> dict[str, Any]:
        return {
            "id": PIPELINE,
            "label": "Sales Pipeline",
            "displayOrder": 0,
            "archived": False,
            "stages": [
                {
                    "id": sid,
                    "label": label,
                    "displayOrder": order,
                    "archived": False,
                    "metadata": {"isClosed": closed, "probability": probability},
                }
                for sid, label, order, closed, probability in STAGES
            ],
        }

    @staticmethod
    def ticket_pipeline() -> dict[str, Any]:
        return {
            "id": TICKET_PIPELINE,
            "label": "Support Pipeline",
            "displayOrder": 0,
            "archived": False,
            "stages": [
                {
                    "id": sid,
                    "label": label,
                    "displayOrder": order,
                    "archived": False,
                    "metadata": {"ticketState": state, "isClosed": str(state == "CLOSED").lower()},
                }
                for sid, label, order, state in TICKET_STAGES
            ],
        }

    def shaped(self, row: dict[str, Any], properties: str | list[str]) -> dict[str, Any]:
        """Only the asked-for properties (and HubSpot's defaults), as the API answers."""
        wanted = properties.split(",") if isinstance(properties, str) else list(properties)
        wanted = [p for p in wanted if p] + ["hs_object_id", "createdate", "hs_lastmodifieddate"]
        return {
            **row,
            "properties": {
                k: row["properties"].get(k) for k in dict.fromkeys(wanted) if k in row["properties"]
            },
        }

    def list(self, kind: str, request: Request) -> Response:
        limit = min(int(request.args.get("limit", 10)), self.page_cap)
        rows = sorted(
            (r for r in self.objects[kind].values() if not r["archived"]), key=lambda r: int(r["id"])
        )
        after = request.args.get("after", "")
        if after:
            rows = [r for r in rows if int(r["id"]) > int(after)]
        chunk = rows[:limit]
        body: dict[str, Any] = {
            "results": [self.shaped(r, request.args.get("properties", "")) for r in chunk]
        }
        if len(rows) > limit:
            # HubSpot's token is opaque; this stand-in's happens to be the next id, as the real one often is.
            token = str(chunk[-1]["id"])
            body["paging"] = {"next": {"after": token, "link": f"{request.base_url}?after={token}"}}
        return self.json(body)

    def search(self, kind: str, body: dict[str, Any]) -> Response:
        limit = min(int(body.get("limit", 10)), 200)
        offset = int(body.get("after") or 0)
        if offset + limit > self.search_cap:
            # What HubSpot answers when paging past the cap of one search query.
            return self.error(
                400,
                f"There was a problem with the request. Paging past {self.search_cap} results is not supported",
                "VALIDATION_ERROR",
            )
        rows = [r for r in self.objects[kind].values() if not r["archived"]]
        for group in body.get("filterGroups") or [{}]:
            for item in group.get("filters") or []:
                rows = [r for r in rows if self.passes(r, item)]
        rows.sort(key=lambda r: (r["properties"]["hs_lastmodifieddate"], int(r["id"])))
        chunk = rows[offset : offset + limit]
        answer: dict[str, Any] = {
            "total": len(rows),
            "results": [self.shaped(r, body.get("properties") or []) for r in chunk],
        }
        if offset + limit < len(rows):
            answer["paging"] = {"next": {"after": str(offset + limit), "link": "?after="}}
        return self.json(answer)

    @staticmethod
    def passes(row: dict[str, Any], item: dict[str, Any]) -> bool:
        name, operator, value = item["propertyName"], item["operator"], str(item.get("value", ""))
        current = row["properties"].get(name)
        if name == "hs_lastmodifieddate":
            moment = datetime.datetime.fromisoformat(str(current).replace("Z", "+00:00"))
            current_n, value_n = int(moment.timestamp() * 1000), int(value)
            return {"GTE": current_n >= value_n, "GT": current_n > value_n, "LT": current_n < value_n}[
                operator
            ]
        return {"EQ": current == value, "NEQ": current != value}[operator]

    def linked(self, deal_id: str, to: str) -> list[tuple[str, int]]:
        return self.associations.get((deal_id, to), [])

    @staticmethod
    def association(to_id: str, type_id: int) -> dict[str, Any]:
        label = "Primary" if type_id == DEAL_TO_COMPANY_PRIMARY else None
        return {
            "toObjectId": int(to_id),
            "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": label}],
        }

    def batch_associations(self, source: str, to: str, body: dict[str, Any]) -> Response:
        results = []
        for item in body.get("inputs", []):
            links = self.linked(str(item["id"]), to)
            if links:
                merged: dict[str, dict[str, Any]] = {}
                for to_id, type_id in links:
                    entry = merged.setdefault(to_id, {"toObjectId": int(to_id), "associationTypes": []})
                    entry["associationTypes"].extend(self.association(to_id, type_id)["associationTypes"])
                results.append({"from": {"id": str(item["id"])}, "to": list(merged.values())})
        return self.json(
            {
                "status": "COMPLETE",
                "results": results,
                "startedAt": iso(self.clock),
                "completedAt": iso(self.clock),
            }
        )

    def batch_read(self, kind: str, body: dict[str, Any]) -> Response:
        """``POST /crm/v3/objects/{type}/batch/read``: 200 with every one, 207 with ``errors`` for the missing."""
        results, missing = [], []
        for item in body.get("inputs", []):
            row = self.objects[kind].get(str(item["id"]))
            if row is None or row["archived"]:
                missing.append(str(item["id"]))
            else:
                results.append(self.shaped(row, body.get("properties") or []))
        answer: dict[str, Any] = {
            "status": "COMPLETE",
            "results": results,
            "startedAt": iso(self.clock),
            "completedAt": iso(self.clock),
        }
        if missing:
            answer["numErrors"] = 1
            answer["errors"] = [
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "message": "Could not get some objects, they may be deleted or not exist.",
                    "context": {"ids": missing},
                }
            ]
        return self.json(answer, 207 if missing else 200)

    def create_ticket(self, body: dict[str, Any]) -> Response:
        properties = body.get("properties") or {}
        if not properties.get("subject") or not properties.get("hs_pipeline_stage"):
            return self.error(
                400, "Property values were not valid: subject, hs_pipeline_stage", "VALIDATION_ERROR"
            )
        ticket_id = self.add("tickets", {"hs_ticket_priority": "MEDIUM", **properties})
        for item in body.get("associations") or []:
            type_id = item["types"][0]["associationTypeId"]
            to = {16: "contacts", 339: "companies", 26: "companies"}.get(type_id)
            if to:
                self.associations.setdefault((ticket_id, to), []).append((str(item["to"]["id"]), type_id))
        self.created_tickets.append({**body, "id": ticket_id})
        return self.json(self.objects["tickets"][ticket_id], 201)

    def token_handler(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs(request.get_data(as_text=True)).items()}
        refresh = form.get("refresh_token", "")
        if form.get("grant_type") != "refresh_token" or refresh not in self.refresh_tokens:
            return self.json(
                {"status": "BAD_REFRESH_TOKEN", "message": "missing or unknown refresh token"}, 400
            )
        self.access_token = self.refresh_tokens.pop(refresh)
        return self.json(
            {
                "token_type": "bearer",
                "refresh_token": f"refresh-after-{self.access_token}",
                "access_token": self.access_token,
                "expires_in": 1800,
            }
        )

    # --- webhooks -----------------------------------------------------------------------------------------

    def event(self, subscription: str, object_id: str, *, portal_id: int | None = None, **extra: Any) -> dict:
        """One event of a webhook batch as HubSpot posts it."""
        self.event_ids += 1
        return {
            "eventId": self.event_ids,
            "subscriptionId": 2_437_361,
            "portalId": self.portal_id if portal_id is None else portal_id,
            "appId": 1_160_452,
            "occurredAt": self.clock,
            "subscriptionType": subscription,
            "attemptNumber": 0,
            "objectId": int(object_id),
            "changeSource": "CRM_UI",
            "changeFlag": "UPDATED",
            **extra,
        }

    @staticmethod
    def signed(
        events: list[dict], *, secret: str, uri: str, timestamp_ms: int, method: str = "POST"
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers HubSpot sends: a JSON array, signed with the app's client secret."""
        body = json.dumps(events).encode()
        timestamp = str(timestamp_ms)
        return body, {
            "X-HubSpot-Signature-v3": signature_v3(secret, method, uri, body, timestamp),
            "X-HubSpot-Request-Timestamp": timestamp,
            "X-HubSpot-Signature-Version": "v3",
        }
