"""A Bitrix24 portal stand-in speaking the documented REST shapes (INTEGRATIONS.md), for pytest-httpserver.

Every value is a string, as Bitrix answers them; ``crm.deal.list`` pages by 50 with ``start``/``next`` and
supports the keyset export (``start=-1``, ``>ID``); a missing id answers HTTP 400 "Not found". Refusals can be
queued (``refuse_next``) to play ``QUERY_LIMIT_EXCEEDED``, ``OPERATION_TIME_LIMIT`` or an expired token.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from werkzeug import Request, Response

PAGE = 50
BASE = datetime.datetime(2026, 11, 1, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=3)))
STAGES = {
    "0": [
        ("NEW", "Новая", "process"),
        ("PREPARATION", "Подготовка документов", "process"),
        ("PREPAYMENT_INVOICE", "Счёт на предоплату", "process"),
        ("EXECUTING", "В работе", "process"),
        ("WON", "Сделка успешна", "success"),
        ("LOSE", "Сделка провалена", "failure"),
    ],
}
FILE_PATH = "/bitrix/components/bitrix/crm.deal.show/show_file.php"
INVOICE_CATEGORY = "2"  # the smart invoices' default category on a portal
INVOICE_STAGES = [
    ("DT31_2:N", "Новый", "process"),
    ("DT31_2:S", "Отправлен клиенту", "process"),
    ("DT31_2:P", "Оплачен", "success"),
    ("DT31_2:D", "Не оплачен", "failure"),
]


class Bitrix24StandIn:
    def __init__(self, *, application_token: str = "app-token-1", access_token: str = "") -> None:  # noqa: S107
        self.deals: dict[str, dict[str, Any]] = {}
        self.contacts: dict[str, dict[str, Any]] = {}
        self.companies: dict[str, dict[str, Any]] = {}
        self.requisites: dict[str, dict[str, Any]] = {}
        self.invoices: dict[str, dict[str, Any]] = {}
        self.files: dict[str, tuple[str, bytes]] = {}  # file id → (name, bytes), served at FILE_PATH
        self.comments: list[dict[str, Any]] = []
        self.calls: list[str] = []
        self.refusals: list[tuple[int, dict[str, str]]] = []
        self.application_token = application_token
        self.access_token = access_token  # OAuth mode: every call must carry it as ``auth``
        self.refresh_tokens: dict[str, str] = {}  # refresh token → the access token it gives
        self.expire_token_at = 0  # the call number at which the access token expires (0: never)
        self.clock = 0
        self.next_id = 1

    # --- data --------------------------------------------------------------------------------------------

    def tick(self) -> str:
        self.clock += 1
        return (BASE + datetime.timedelta(seconds=self.clock)).isoformat()

    def new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def add_contact(self, name: str, last_name: str = "", *, phone: str = "", email: str = "") -> str:
        cid = self.new_id()
        self.contacts[cid] = {
            "ID": cid,
            "NAME": name,
            "LAST_NAME": last_name,
            "PHONE": [{"ID": self.new_id(), "VALUE_TYPE": "WORK", "VALUE": phone, "TYPE_ID": "PHONE"}]
            if phone
            else [],
            "EMAIL": [{"ID": self.new_id(), "VALUE_TYPE": "WORK", "VALUE": email, "TYPE_ID": "EMAIL"}]
            if email
            else [],
        }
        return cid

    def add_company(self, title: str, *, inn: str = "", kpp: str = "") -> str:
        cid = self.new_id()
        self.companies[cid] = {"ID": cid, "TITLE": title, "PHONE": [], "EMAIL": []}
        if inn or kpp:
            self.add_requisite("4", cid, inn=inn, kpp=kpp)
        return cid

    def add_requisite(self, entity_type: str, entity_id: str, *, inn: str = "", kpp: str = "") -> str:
        """A requisite (``ENTITY_TYPE_ID`` 4 company, 3 contact), its values strings as Bitrix keeps them."""
        rid = self.new_id()
        self.requisites[rid] = {
            "ID": rid,
            "ENTITY_TYPE_ID": entity_type,
            "ENTITY_ID": entity_id,
            "PRESET_ID": "1",
            "NAME": "Организация",
            "RQ_INN": inn,
            "RQ_KPP": kpp,
            "ACTIVE": "Y",
        }
        return rid

    def add_deal(
        self,
        title: str,
        *,
        stage: str = "NEW",
        amount: str = "0",
        contact: str = "0",
        company: str = "0",
        category: str = "0",
    ) -> str:
        did = self.new_id()
        self.deals[did] = {
            "ID": did,
            "TITLE": title,
            "STAGE_ID": stage,
            "CATEGORY_ID": category,
            "STAGE_SEMANTIC_ID": "P",
            "OPPORTUNITY": amount,
            "CURRENCY_ID": "RUB",
            "CONTACT_ID": contact,
            "COMPANY_ID": company,
            "ASSIGNED_BY_ID": "1",
            "CLOSED": "N",
            "DATE_MODIFY": self.tick(),
            "UF_CRM_DELIVERY": "",
        }
        return did

    def add_invoice(
        self,
        title: str,
        *,
        amount: str = "0",
        stage: str = "DT31_2:N",
        deal: str = "0",
        contact: str = "0",
        company: str = "0",
        number: str = "",
    ) -> str:
        """A smart invoice (``entityTypeId`` 31), camelCase, every value a string as the REST API answers."""
        iid = self.new_id()
        self.invoices[iid] = {
            "id": iid,
            "title": title,
            "categoryId": INVOICE_CATEGORY,
            "stageId": stage,
            "accountNumber": number or f"СЧ-{iid}",
            "opportunity": amount,
            "currencyId": "RUB",
            "companyId": company,
            "contactId": contact,
            "contactIds": [contact] if contact != "0" else [],
            "parentId2": deal,
            "begindate": "2026-11-01T03:00:00+03:00",
            "closedate": "2026-11-15T03:00:00+03:00",
            "updatedTime": self.tick(),
        }
        return iid

    def update_invoice(self, invoice_id: str, **fields: str) -> None:
        self.invoices[invoice_id].update(fields, updatedTime=self.tick())

    def attach_file(self, deal_id: str, field: str, name: str, data: bytes) -> str:
        """A file in a deal's file field (``UF_CRM_*`` of type file), in Bitrix's shape: ``[{id, showUrl,
        downloadUrl}]``, the URLs relative to the portal."""
        fid = self.new_id()
        self.files[fid] = (name, data)
        query = f"ownerId={deal_id}&fieldName={field}&dynamic=Y&fileId={fid}"
        values = self.deals[deal_id].get(field) or []
        values = [
            *values,
            {"id": int(fid), "showUrl": f"{FILE_PATH}?{query}", "downloadUrl": f"{FILE_PATH}?{query}"},
        ]
        self.update_deal(deal_id, **{field: values})
        return fid

    def file_handler(self, request: Request) -> Response:
        found = self.files.get(request.args.get("fileId", ""))
        self.calls.append("file")
        if found is None:
            return Response("Not found", status=404)
        name, data = found
        from urllib.parse import quote

        return Response(
            data,
            content_type="application/octet-stream",
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
        )

    def update_deal(self, deal_id: str, **fields: str) -> None:
        self.deals[deal_id].update(fields, DATE_MODIFY=self.tick())

    def refuse_next(self, status: int, error: str, description: str = "") -> None:
        self.refusals.append((status, {"error": error, "error_description": description or error}))

    # --- the REST API ------------------------------------------------------------------------------------

    def handler(self, request: Request) -> Response:
        method = request.path.rsplit("/", 1)[-1].removesuffix(".json")
        body = json.loads(request.data or b"{}")
        self.calls.append(method)
        if self.expire_token_at and len(self.calls) == self.expire_token_at:
            self.access_token = f"expired-{self.access_token}"
        if self.refusals:
            status, error = self.refusals.pop(0)
            return self.json(error, status)
        if self.access_token and body.get("auth") != self.access_token:
            return self.json(
                {"error": "expired_token", "error_description": "The access token provided has expired."}, 401
            )
        answer = getattr(self, "m_" + method.replace(".", "_"), None)
        if answer is None:
            return self.json(
                {"error": "ERROR_METHOD_NOT_FOUND", "error_description": "Method not found!"}, 404
            )
        return answer(body)

    @staticmethod
    def json(data: Any, status: int = 200) -> Response:
        return Response(json.dumps(data), status=status, content_type="application/json")

    def envelope(self, result: Any, **extra: Any) -> Response:
        return self.json({"result": result, **extra, "time": {"start": 0, "finish": 0, "duration": 0.01}})

    def m_crm_category_list(self, body: dict) -> Response:
        if str(body.get("entityTypeId")) == "31":
            return self.envelope(
                {
                    "categories": [
                        {"id": int(INVOICE_CATEGORY), "name": "Счета", "sort": 500, "isDefault": "Y"}
                    ]
                },
                total=1,
            )
        return self.envelope(
            {"categories": [{"id": 0, "name": "Общая", "sort": 100, "isDefault": "Y"}]}, total=1
        )

    def m_crm_status_list(self, body: dict) -> Response:
        entity = body.get("filter", {}).get("ENTITY_ID", "")
        category = entity.removeprefix("DEAL_STAGE").lstrip("_") or "0"
        stages = (
            INVOICE_STAGES
            if entity == f"SMART_INVOICE_STAGE_{INVOICE_CATEGORY}"
            else STAGES.get(category, [])
        )
        rows = [
            {
                "ID": str(i),
                "ENTITY_ID": entity,
                "STATUS_ID": sid,
                "NAME": name,
                "SORT": str((i + 1) * 10),
                "COLOR": "#39A8EF",
                "SEMANTICS": {"success": "S", "failure": "F"}.get(sem),
                "EXTRA": {"SEMANTICS": sem, "COLOR": "#39A8EF"},
            }
            for i, (sid, name, sem) in enumerate(stages)
        ]
        return self.envelope(rows, total=len(rows))

    def m_crm_deal_list(self, body: dict) -> Response:
        filters, start = body.get("filter", {}), int(body.get("start", 0))
        rows = list(self.deals.values())
        if ">=DATE_MODIFY" in filters:
            since = datetime.datetime.fromisoformat(filters[">=DATE_MODIFY"])
            rows = [r for r in rows if datetime.datetime.fromisoformat(r["DATE_MODIFY"]) >= since]
        if ">ID" in filters:
            rows = [r for r in rows if int(r["ID"]) > int(filters[">ID"])]
        if "DATE_MODIFY" in body.get("order", {}):
            rows.sort(key=lambda r: (datetime.datetime.fromisoformat(r["DATE_MODIFY"]), int(r["ID"])))
        else:
            rows.sort(key=lambda r: int(r["ID"]))
        if start == -1:  # the keyset export: no count, no "next"
            return self.envelope(rows[:PAGE])
        page = rows[start : start + PAGE]
        extra = {"total": len(rows)}
        if start + PAGE < len(rows):
            extra["next"] = start + PAGE
        return self.envelope(page, **extra)

    def m_crm_item_list(self, body: dict) -> Response:
        """Smart invoices only (``entityTypeId`` 31): ``result.items``, keyset or ``>=updatedTime`` paging."""
        if str(body.get("entityTypeId")) != "31":
            return self.json({"error": "NOT_FOUND", "error_description": "Smart process not found"}, 400)
        filters, start = body.get("filter", {}), int(body.get("start", 0))
        rows = list(self.invoices.values())
        if ">=updatedTime" in filters:
            since = datetime.datetime.fromisoformat(filters[">=updatedTime"])
            rows = [r for r in rows if datetime.datetime.fromisoformat(r["updatedTime"]) >= since]
        if ">id" in filters:
            rows = [r for r in rows if int(r["id"]) > int(filters[">id"])]
        if "updatedTime" in body.get("order", {}):
            rows.sort(key=lambda r: (datetime.datetime.fromisoformat(r["updatedTime"]), int(r["id"])))
        else:
            rows.sort(key=lambda r: int(r["id"]))
        if start == -1:
            return self.envelope({"items": rows[:PAGE]})
        extra = {"total": len(rows)}
        if start + PAGE < len(rows):
            extra["next"] = start + PAGE
        return self.envelope({"items": rows[start : start + PAGE]}, **extra)

    def get(self, rows: dict[str, dict], body: dict) -> Response:
        row = rows.get(str(body.get("id")))
        if row is None:
            return self.json({"error": "", "error_description": "Not found"}, 400)
        return self.envelope(row)

    def m_crm_deal_get(self, body: dict) -> Response:
        return self.get(self.deals, body)

    def m_crm_contact_get(self, body: dict) -> Response:
        return self.get(self.contacts, body)

    def m_crm_company_get(self, body: dict) -> Response:
        return self.get(self.companies, body)

    def m_crm_requisite_list(self, body: dict) -> Response:
        """``filter`` by ``ENTITY_TYPE_ID``/``ENTITY_ID`` (a JSON body, or ``filter[...]`` keys of a batch
        command); ``select`` names the fields answered (``ID`` always)."""
        filters = dict(body.get("filter") or {})
        filters.update({k[7:-1]: v for k, v in body.items() if k.startswith("filter[") and k.endswith("]")})
        select = body.get("select") or [v for k, v in body.items() if k.startswith("select[")]
        rows = [
            r for r in self.requisites.values() if all(str(r.get(k)) == str(v) for k, v in filters.items())
        ]
        if select:
            rows = [{k: v for k, v in r.items() if k in select or k == "ID"} for r in rows]
        return self.envelope(rows, total=len(rows))

    def m_batch(self, body: dict) -> Response:
        """``batch``: each command as ``method?query``; HTTP 200 even when some failed."""
        from urllib.parse import parse_qsl

        results, errors = {}, {}
        for key, command in body.get("cmd", {}).items():
            method, _sep, query = command.partition("?")
            answer = getattr(self, "m_" + method.replace(".", "_"))(dict(parse_qsl(query)))
            data = json.loads(answer.get_data())
            if answer.status_code == 200:
                results[key] = data["result"]
            else:
                errors[key] = data
        return self.envelope(
            {
                "result": results,
                "result_error": errors,
                "result_total": {},
                "result_next": {},
                "result_time": {},
            }
        )

    def m_crm_timeline_comment_add(self, body: dict) -> Response:
        fields = body["fields"]
        if fields.get("ENTITY_TYPE") == "deal" and str(fields.get("ENTITY_ID")) not in self.deals:
            return self.json({"error": "", "error_description": "Not found"}, 400)
        comment_id = 900 + len(self.comments)
        self.comments.append({**fields, "ID": comment_id})
        return self.envelope(comment_id)

    # --- OAuth ---------------------------------------------------------------------------------------------

    def token_handler(self, request: Request) -> Response:
        refresh = request.args.get("refresh_token", "")
        if request.args.get("grant_type") != "refresh_token" or refresh not in self.refresh_tokens:
            return self.json({"error": "invalid_grant", "error_description": "Invalid refresh token"}, 400)
        self.access_token = self.refresh_tokens.pop(refresh)
        new_refresh = f"refresh-after-{self.access_token}"
        self.refresh_tokens[new_refresh] = f"{self.access_token}-next"
        return self.json(
            {
                "access_token": self.access_token,
                "refresh_token": new_refresh,
                "expires_in": 3600,
                "member_id": "a223c6b3710f85df22e9377d6c4f7553",
                "domain": "oauth.bitrix.info",
            }
        )

    def event(
        self, deal_id: str, *, event: str = "ONCRMDEALUPDATE", token: str | None = None
    ) -> dict[str, str]:
        """The form fields of an outgoing event, as Bitrix24 posts them."""
        return {
            "event": event,
            "event_handler_id": "17",
            "data[FIELDS][ID]": deal_id,
            "ts": "1733050000",
            "auth[domain]": "portal.bitrix24.ru",
            "auth[client_endpoint]": "https://portal.bitrix24.ru/rest/",
            "auth[member_id]": "a223c6b3710f85df22e9377d6c4f7553",
            "auth[application_token]": self.application_token if token is None else token,
        }
