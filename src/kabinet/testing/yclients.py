"""A YCLIENTS account stand-in speaking the documented shapes (INTEGRATIONS.md, the YCLIENTS API blueprint),
for pytest-httpserver and the demo: the ``{success, data, meta}`` envelope (``success: false`` with
``meta.message``/``meta.errors``, whatever the HTTP status), ``POST /auth``, companies, services, staff, records
paged by ``page``/``count`` with ``meta.total_count`` and ``changed_after``, ``book_record`` (201), deleting a
record, loyalty cards and the unsigned webhooks (``company_id``, ``resource``, ``resource_id``, ``status``,
``data``)."""

from __future__ import annotations

import datetime
import json
from typing import Any

from werkzeug import Request, Response

START = datetime.datetime(2026, 9, 1, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=3)))
PARTNER, USER = "partner-yc-1", "user-yc-1"
LOGIN, PASSWORD = "owner@salon.test", "salon-password-1"


def stamp(moment: datetime.datetime) -> str:
    """YCLIENTS writes offsets without a colon: ``2026-09-01T09:00:00+0300``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S%z")


class YclientsStandIn:
    def __init__(self, *, partner_token: str = PARTNER, user_token: str = USER) -> None:
        self.partner_token, self.user_token = partner_token, user_token
        self.companies: dict[int, dict[str, Any]] = {}
        self.services: dict[int, list[dict[str, Any]]] = {}
        self.staff: dict[int, list[dict[str, Any]]] = {}
        self.clients: dict[int, dict[int, dict[str, Any]]] = {}
        self.records: dict[int, dict[str, Any]] = {}
        self.cards: dict[int, list[dict[str, Any]]] = {}
        self.refusals: list[tuple[int, dict[str, Any]]] = []
        self.booked: list[dict[str, Any]] = []
        self.deleted: list[int] = []
        self.clock = START
        self.next_id = 1000
        self.require_code = False

    # --- the account's data --------------------------------------------------------------------------------

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def tick(self) -> datetime.datetime:
        self.clock += datetime.timedelta(minutes=1)
        return self.clock

    def add_company(self, title: str, *, zone: str = "Europe/Moscow", company_id: int | None = None) -> int:
        company_id = company_id or self.new_id()
        self.companies[company_id] = {
            "id": company_id,
            "title": title,
            "public_title": title,
            "timezone": 3,
            "timezone_name": zone,
            "address": "ул. Ленина, 1",
            "phone": "+74951234567",
            "active": 1,
        }
        self.services[company_id], self.staff[company_id], self.clients[company_id] = [], [], {}
        return company_id

    def add_service(self, company_id: int, title: str, *, minutes: int = 60, price: int = 1500) -> int:
        service_id = self.new_id()
        self.services[company_id].append(
            {
                "id": service_id,
                "title": title,
                "category_id": 1,
                "price_min": price,
                "price_max": price,
                "duration": minutes * 60,
                "active": 1,
            }
        )
        return service_id

    def add_staff(self, company_id: int, name: str, services: list[int], *, title: str = "Мастер") -> int:
        staff_id = self.new_id()
        self.staff[company_id].append(
            {
                "id": staff_id,
                "name": name,
                "specialization": title,
                "fired": 0,
                "hidden": 0,
                "services_links": [{"service_id": s, "master_id": staff_id} for s in services],
            }
        )
        return staff_id

    def add_client(self, company_id: int, name: str, phone: str, email: str = "") -> int:
        client_id = self.new_id()
        self.clients[company_id][client_id] = {"id": client_id, "name": name, "phone": phone, "email": email}
        return client_id

    def service(self, company_id: int, service_id: int) -> dict[str, Any]:
        return next(s for s in self.services[company_id] if s["id"] == service_id)

    def add_record(
        self,
        company_id: int,
        *,
        staff_id: int,
        service_id: int,
        client_id: int,
        starts: datetime.datetime,
        attendance: int = 0,
    ) -> int:
        record_id = self.new_id()
        service = self.service(company_id, service_id)
        staff = next(s for s in self.staff[company_id] if s["id"] == staff_id)
        self.records[record_id] = {
            "id": record_id,
            "company_id": company_id,
            "staff_id": staff_id,
            "services": [{"id": service_id, "title": service["title"], "cost": service["price_min"]}],
            "staff": {"id": staff_id, "name": staff["name"]},
            "client": dict(self.clients[company_id][client_id]),
            "date": starts.strftime("%Y-%m-%d %H:%M:%S"),
            "datetime": stamp(starts),
            "attendance": attendance,
            "confirmed": 1,
            "seance_length": service["duration"],
            "deleted": False,
            "comment": "",
            "last_change_date": stamp(self.tick()),
            "visit_id": self.new_id(),
        }
        return record_id

    def change_record(self, record_id: int, **values: Any) -> None:
        self.records[record_id].update(values, last_change_date=stamp(self.tick()))

    def delete_record(self, record_id: int) -> None:
        self.change_record(record_id, deleted=True)

    def add_card(
        self, client_id: int, *, balance: str = "0", points: str = "0", title: str = "Клубная"
    ) -> int:
        card_id = self.new_id()
        self.cards.setdefault(client_id, []).append(
            {
                "id": card_id,
                "balance": balance,
                "points": points,
                "number": f"77{card_id}",
                "type": {"id": 1, "title": title},
                "programs": [{"id": 1, "title": "Кэшбэк 5%"}],
            }
        )
        return card_id

    def refuse_next(self, status: int, message: str, errors: dict[str, Any] | None = None) -> None:
        meta = {"message": message, **({"errors": errors} if errors else {})}
        self.refusals.append((status, {"success": False, "data": None, "meta": meta}))

    def event(self, resource: str, resource_id: int, status: str, *, company_id: int) -> dict[str, Any]:
        data = self.records.get(resource_id, {}) if resource == "record" else {}
        return {
            "company_id": company_id,
            "resource": resource,
            "resource_id": resource_id,
            "status": status,
            "data": data,
        }

    # --- HTTP ---------------------------------------------------------------------------------------------

    @staticmethod
    def json(data: Any, status: int = 200, meta: Any = None) -> Response:
        body = {"success": status < 400, "data": data, "meta": meta if meta is not None else []}
        return Response(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json")

    @staticmethod
    def fail(
        status: int, message: str, errors: dict[str, Any] | None = None, code: int | None = None
    ) -> Response:
        meta: dict[str, Any] = {"message": message}
        if errors:
            meta["errors"] = errors
        if code:
            meta["code"] = code
        body = {"success": False, "data": None, "meta": meta}
        return Response(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json")

    def handler(self, request: Request) -> Response:
        if self.refusals:
            status, body = self.refusals.pop(0)
            return Response(
                json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
            )
        auth = request.headers.get("Authorization", "")
        parts = [p.strip() for p in auth.split(",")]
        if not parts or parts[0] != f"Bearer {self.partner_token}":
            return self.fail(401, "Партнёр не найден")
        path = request.path.removeprefix("/api/v1")
        segments = path.strip("/").split("/")
        if path == "/auth" and request.method == "POST":
            body = json.loads(request.data or b"{}")
            if body.get("login") != LOGIN or body.get("password") != PASSWORD:
                return self.fail(401, "Неверный логин или пароль")
            return self.json(
                {"id": 1, "user_token": self.user_token, "name": "Владелец", "login": LOGIN}, 201
            )
        if f"User {self.user_token}" not in parts[1:]:
            return self.fail(401, "Пользователь не авторизован")
        if path == "/companies":
            return self.json(list(self.companies.values()), meta={"total_count": len(self.companies)})
        if segments[0] == "company" and len(segments) == 3:
            company_id = int(segments[1])
            if company_id not in self.companies:
                return self.fail(404, "Компания не найдена")
            if segments[2] == "services":
                return self.json(self.services[company_id])
            if segments[2] == "staff":
                return self.json(self.staff[company_id])
        if segments[0] == "client" and len(segments) == 3:
            client = self.clients.get(int(segments[1]), {}).get(int(segments[2]))
            return self.json(client) if client else self.fail(404, "Клиент не найден")
        if segments[0] == "records" and len(segments) == 2:
            return self.list_records(int(segments[1]), request)
        if segments[0] == "record" and len(segments) == 3:
            row = self.records.get(int(segments[2]))
            if row is None or row["company_id"] != int(segments[1]):
                return self.fail(404, "Запись не найдена")
            if request.method == "DELETE":
                self.deleted.append(row["id"])
                self.delete_record(row["id"])
                return Response(status=204)
            return self.json(row)
        if segments[0] == "book_record" and request.method == "POST":
            return self.book(int(segments[1]), json.loads(request.data))
        if segments[:2] == ["loyalty", "client_cards"] and len(segments) == 3:
            return self.json(self.cards.get(int(segments[2]), []))
        return self.fail(404, f"Метод не найден: {request.method} {path}")

    def list_records(self, company_id: int, request: Request) -> Response:
        page = int(request.args.get("page", 1))
        count = min(int(request.args.get("count", 20)), 200)
        rows = [r for r in self.records.values() if r["company_id"] == company_id]
        after = request.args.get("changed_after")
        if after:
            since = datetime.datetime.fromisoformat(after)
            rows = [r for r in rows if datetime.datetime.fromisoformat(r["last_change_date"]) >= since]
        rows.sort(key=lambda r: (r["last_change_date"], r["id"]))
        chunk = rows[(page - 1) * count : page * count]
        return self.json(chunk, meta={"page": page, "total_count": len(rows)})

    def book(self, company_id: int, body: dict[str, Any]) -> Response:
        if self.require_code and not body.get("code"):
            return self.fail(422, "Необходимо подтверждение по SMS", code=432)
        appointment = body["appointments"][0]
        staff_id, service_id = int(appointment["staff_id"]), int(appointment["services"][0])
        starts = datetime.datetime.fromisoformat(appointment["datetime"])
        for row in self.records.values():
            if row["staff_id"] == staff_id and not row["deleted"] and row["datetime"] == stamp(starts):
                return self.fail(422, "Выбранное время уже занято", code=433)
        client = next((c for c in self.clients[company_id].values() if c["phone"] == body["phone"]), None)
        if client is None:
            client_id = self.add_client(company_id, body["fullname"], body["phone"], body.get("email", ""))
        else:
            client_id = client["id"]
        record_id = self.add_record(
            company_id, staff_id=staff_id, service_id=service_id, client_id=client_id, starts=starts
        )
        self.records[record_id]["comment"] = body.get("comment", "")
        self.booked.append({**body, "record_id": record_id})
        return self.json([{"id": appointment["id"], "record_id": record_id, "record_hash": "h" * 32}], 201)
