"""An amoCRM (API v4) account stand-in speaking the documented shapes (INTEGRATIONS.md), for
pytest-httpserver: HAL answers with ``_embedded`` and ``_links.next``, **204 with no body on an empty page**,
unix timestamps, ``custom_fields_values``, problem+json refusals, notes, and the OAuth refresh."""

from __future__ import annotations

import json
from typing import Any

from werkzeug import Request, Response

START = 1_764_000_000  # unix seconds; the stand-in's clock ticks one second per change
PIPELINE = 3_300_001
STATUSES = [
    (4_100_001, "Первичный контакт", 10, 1),
    (4_100_002, "Переговоры", 20, 0),
    (4_100_003, "Принимают решение", 30, 0),
    (142, "Успешно реализовано", 10000, 0),
    (143, "Закрыто и не реализовано", 11000, 0),
]


class AmoCrmStandIn:
    def __init__(self, *, account_id: int = 29_085_955, access_token: str = "amo-token-1") -> None:  # noqa: S107
        self.account_id, self.access_token = account_id, access_token
        self.leads: dict[int, dict[str, Any]] = {}
        self.contacts: dict[int, dict[str, Any]] = {}
        self.notes: list[dict[str, Any]] = []
        self.refusals: list[tuple[int, dict[str, Any]]] = []
        self.refresh_tokens: dict[str, str] = {}
        self.calls: list[str] = []
        self.clock = START
        self.next_id = 10_000_000
        self.limit_cap = 250

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def tick(self) -> int:
        self.clock += 1
        return self.clock

    def add_contact(self, first: str, last: str = "", *, phone: str = "", email: str = "") -> int:
        cid = self.new_id()
        fields = []
        if phone:
            fields.append(
                {
                    "field_id": 3,
                    "field_name": "Телефон",
                    "field_code": "PHONE",
                    "field_type": "multitext",
                    "values": [{"value": phone, "enum_id": 1, "enum_code": "WORK"}],
                }
            )
        if email:
            fields.append(
                {
                    "field_id": 5,
                    "field_name": "Email",
                    "field_code": "EMAIL",
                    "field_type": "multitext",
                    "values": [{"value": email, "enum_id": 3, "enum_code": "WORK"}],
                }
            )
        self.contacts[cid] = {
            "id": cid,
            "name": f"{first} {last}".strip(),
            "first_name": first,
            "last_name": last,
            "responsible_user_id": 504141,
            "updated_at": self.tick(),
            "custom_fields_values": fields or None,
            "_links": {"self": {"href": f"/api/v4/contacts/{cid}"}},
        }
        return cid

    def add_lead(
        self, name: str, *, status: int = 4_100_001, price: int = 0, contact: int | None = None
    ) -> int:
        lid = self.new_id()
        now = self.tick()
        self.leads[lid] = {
            "id": lid,
            "name": name,
            "price": price,
            "responsible_user_id": 504141,
            "group_id": 0,
            "status_id": status,
            "pipeline_id": PIPELINE,
            "created_at": now,
            "updated_at": now,
            "closed_at": None,
            "custom_fields_values": None,
            "account_id": self.account_id,
            "_links": {"self": {"href": f"/api/v4/leads/{lid}"}},
            "_embedded": {
                "tags": [],
                "companies": [],
                "contacts": [{"id": contact, "is_main": True}] if contact else [],
            },
        }
        return lid

    def update_lead(self, lead_id: int, **fields: Any) -> None:
        self.leads[lead_id].update(fields, updated_at=self.tick())

    def refuse_next(self, status: int, title: str, detail: str = "") -> None:
        self.refusals.append(
            (
                status,
                {
                    "title": title,
                    "type": f"https://httpstatus.es/{status}",
                    "status": status,
                    "detail": detail or title,
                },
            )
        )

    @staticmethod
    def json(data: Any, status: int = 200) -> Response:
        kind = "application/problem+json" if status >= 400 else "application/hal+json"
        return Response(json.dumps(data), status=status, content_type=kind)

    def handler(self, request: Request) -> Response:
        self.calls.append(f"{request.method} {request.path}")
        if self.refusals:
            status, problem = self.refusals.pop(0)
            return self.json(problem, status)
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            return self.json(
                {
                    "title": "Unauthorized",
                    "type": "https://httpstatus.es/401",
                    "status": 401,
                    "detail": "Неверный логин или пароль",
                },
                401,
            )
        path = request.path
        if path == "/api/v4/leads/pipelines":
            return self.json(
                {
                    "_total_items": 1,
                    "_embedded": {
                        "pipelines": [
                            {
                                "id": PIPELINE,
                                "name": "Воронка",
                                "sort": 1,
                                "is_main": True,
                                "account_id": self.account_id,
                                "_embedded": {
                                    "statuses": [
                                        {
                                            "id": sid,
                                            "name": name,
                                            "sort": sort,
                                            "is_editable": sid not in (142, 143),
                                            "pipeline_id": PIPELINE,
                                            "color": "#99ccff",
                                            "type": kind,
                                            "account_id": self.account_id,
                                        }
                                        for sid, name, sort, kind in STATUSES
                                    ]
                                },
                            }
                        ]
                    },
                }
            )
        if path == "/api/v4/leads":
            return self.leads_page(request)
        if path.startswith("/api/v4/leads/") and path.rsplit("/", 1)[-1].isdigit():
            lead = self.leads.get(int(path.rsplit("/", 1)[-1]))
            return self.json(lead) if lead else Response(status=204)
        if path.startswith("/api/v4/contacts/") and path.rsplit("/", 1)[-1].isdigit():
            contact = self.contacts.get(int(path.rsplit("/", 1)[-1]))
            return self.json(contact) if contact else Response(status=204)
        if path in ("/api/v4/leads/notes", "/api/v4/contacts/notes") and request.method == "POST":
            created = []
            for note in json.loads(request.data):
                note_id = 70_000 + len(self.notes)
                self.notes.append({**note, "id": note_id, "path": path})
                created.append({"id": note_id, "entity_id": note["entity_id"], "request_id": "0"})
            return self.json({"_links": {"self": {"href": path}}, "_embedded": {"notes": created}})
        return self.json({"title": "Not Found", "status": 404, "detail": path}, 404)

    def leads_page(self, request: Request) -> Response:
        page = int(request.args.get("page", 1))
        limit = min(int(request.args.get("limit", 50)), self.limit_cap)
        since = int(request.args.get("filter[updated_at][from]", 0))
        rows = sorted(
            (lead for lead in self.leads.values() if lead["updated_at"] >= since),
            key=lambda lead: (lead["updated_at"], lead["id"]),
        )
        chunk = rows[(page - 1) * limit : page * limit]
        if not chunk:
            return Response(status=204)  # the documented empty page: no body at all
        base = request.base_url
        query = {k: v for k, v in request.args.items() if k != "page"}
        links = {"self": {"href": f"{base}?page={page}"}}
        more = page * limit < len(rows)
        if more or request.args.get("always_next"):
            following = "&".join([f"{k}={v}" for k, v in query.items()] + [f"page={page + 1}"])
            links["next"] = {"href": f"{base}?{following}"}
        return self.json({"_page": page, "_links": links, "_embedded": {"leads": chunk}})

    def token_handler(self, request: Request) -> Response:
        body = json.loads(request.data or b"{}")
        refresh = body.get("refresh_token", "")
        if body.get("grant_type") != "refresh_token" or refresh not in self.refresh_tokens:
            return self.json({"title": "Bad request", "status": 400, "hint": "Token has been revoked"}, 400)
        self.access_token = self.refresh_tokens.pop(refresh)
        return self.json(
            {
                "token_type": "Bearer",
                "expires_in": 86400,
                "access_token": self.access_token,
                "refresh_token": f"refresh-after-{self.access_token}",
            }
        )

    def webhook(self, lead_id: int, *, account_id: int | None = None) -> dict[str, str]:
        """The form fields amoCRM posts when a lead changes status."""
        lead = self.leads.get(lead_id, {"status_id": 142, "pipeline_id": PIPELINE})
        return {
            "leads[status][0][id]": str(lead_id),
            "leads[status][0][status_id]": str(lead["status_id"]),
            "leads[status][0][pipeline_id]": str(lead["pipeline_id"]),
            "leads[status][0][old_status_id]": "4100001",
            "account[subdomain]": "romashka",
            "account[id]": str(self.account_id if account_id is None else account_id),
            "account[_links][self]": "https://romashka.amocrm.ru",
        }
