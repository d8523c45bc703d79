"""``kabinet demo --crm bitrix24|amocrm``: a local stand-in of the vendor's API with realistic deals, and a
connection to it, so a newcomer watches a connected CRM.

The stand-in (``kabinet.testing.bitrix`` / ``kabinet.testing.amocrm``, the ones the tests use) is served on
its own port by a thread of the demo process. Besides the vendor's API it answers
``POST /stand-in/move/<deal id>/<stage id>``: the deal changes stage *in the CRM* and the stand-in posts the
vendor's event to Kabinet's inbox, exactly as the real CRM would; the client's order follows within seconds.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlencode

import httpx
from werkzeug import Request, Response
from werkzeug.serving import make_server

from kabinet.crm.models import Company
from kabinet.sync import actions, engine
from kabinet.sync.models import Connection, Link, PipelineMap
from kabinet.testing.amocrm import PIPELINE, AmoCrmStandIn
from kabinet.testing.bitrix import Bitrix24StandIn

TOKEN = "demo-application-token"  # noqa: S105 - the local stand-in's, not a secret


def fill_bitrix(stand: Bitrix24StandIn) -> dict[str, Any]:
    anna = stand.add_contact("Анна", "Смирнова", phone="+7 916 123-45-67", email="anna@demo.kabinet.test")
    boris = stand.add_contact("Борис", "Волков", phone="+7 921 345-67-89")
    romashka, veter = stand.add_company("ООО «Ромашка»"), stand.add_company("ООО «Северный ветер»")
    deals = [
        stand.add_deal(
            "Поставка стеллажей (Битрикс24)",
            stage="PREPARATION",
            amount="184500.00",
            contact=anna,
            company=romashka,
        ),
        stand.add_deal(
            "Монтаж освещения склада (Битрикс24)",
            stage="NEW",
            amount="96000.00",
            contact=anna,
            company=romashka,
        ),
        stand.add_deal(
            "Обслуживание кондиционеров (Битрикс24)",
            stage="EXECUTING",
            amount="42000.00",
            contact=boris,
            company=veter,
        ),
    ]
    return {"companies": {romashka: "romashka", veter: "veter"}, "deals": deals}


def fill_amocrm(stand: AmoCrmStandIn) -> dict[str, Any]:
    anna = stand.add_contact("Анна", "Смирнова", phone="+79161234567", email="anna@demo.kabinet.test")
    boris = stand.add_contact("Борис", "Волков", phone="+79213456789")
    deals = [
        stand.add_lead("Поставка стеллажей (amoCRM)", price=184500, contact=anna),
        stand.add_lead("Обслуживание кондиционеров (amoCRM)", status=4_100_002, price=42000, contact=boris),
    ]
    return {"companies": {}, "deals": deals}


class StandInApp:
    """The WSGI app of the stand-in: the vendor's API plus the "move a deal" control."""

    def __init__(self, kind: str, stand: Any, inbox_url: str) -> None:
        self.kind, self.stand, self.inbox_url = kind, stand, inbox_url

    def __call__(self, environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        if request.path.startswith("/stand-in/move/") and request.method == "POST":
            response = self.move(*request.path.removeprefix("/stand-in/move/").strip("/").split("/")[:2])
        elif request.path.startswith("/oauth"):
            response = self.stand.token_handler(request)
        else:
            response = self.stand.handler(request)
        return response(environ, start_response)

    def move(self, deal_id: str, stage: str) -> Response:
        if self.kind == "bitrix24":
            if deal_id not in self.stand.deals:
                return Response("no such deal\n", status=404)
            self.stand.update_deal(deal_id, STAGE_ID=stage)
            form = self.stand.event(deal_id)
        else:
            if int(deal_id) not in self.stand.leads:
                return Response("no such lead\n", status=404)
            self.stand.update_lead(int(deal_id), status_id=int(stage))
            form = self.stand.webhook(int(deal_id))
        # Posted from a thread: the request to the demo server must not wait on this one.
        threading.Thread(
            target=lambda: httpx.post(
                self.inbox_url,
                content=urlencode(form),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                timeout=10,
            ),
            daemon=True,
        ).start()
        return Response(f"moved {deal_id} to {stage}; the event is on its way\n")


def start(kind: str, *, host: str, port: int, kabinet_url: str) -> tuple[str, Connection, list[str]]:
    """Serve the stand-in on ``port`` in a daemon thread, connect Kabinet to it and import its deals.
    Answers the stand-in's address, the connection and the CRM ids of its deals."""
    stand: Any = Bitrix24StandIn(application_token=TOKEN) if kind == "bitrix24" else AmoCrmStandIn()
    data = fill_bitrix(stand) if kind == "bitrix24" else fill_amocrm(stand)
    server = make_server(
        host, port, lambda environ, start_response: app(environ, start_response), threaded=True
    )
    url = f"http://{host}:{server.server_port}"
    name = "Демо: Битрикс24" if kind == "bitrix24" else "Демо: amoCRM"
    config = (
        {"webhook_url": f"{url}/rest/1/demo/", "application_token": TOKEN}
        if kind == "bitrix24"
        else {"base_url": url, "account_id": str(stand.account_id), "access_token": stand.access_token}
    )
    connection = Connection.objects.filter(name=name).first() or Connection(name=name, provider=kind)
    # The stand-in starts empty at every start: a fresh cursor, and the same deals are found again by id.
    Connection.objects.filter(pk=connection.pk).update(cursor=None, checkpoint={})
    connection = actions.save_connection(actor=None, connection=connection, config=config)
    app = StandInApp(kind, stand, kabinet_url + f"/hooks/in/{connection.inbox_source.path_secret}/")
    threading.Thread(target=server.serve_forever, daemon=True, name=f"{kind}-stand-in").start()
    actions.load_pipelines(actor=None, connection=connection)
    crm_pipeline = "0" if kind == "bitrix24" else str(PIPELINE)
    pipeline_map = PipelineMap.objects.get(connection=connection, crm_id=crm_pipeline)
    if pipeline_map.pipeline_id is None:
        actions.mirror_pipeline(actor=None, pipeline_map=pipeline_map)
    for crm_id, slug in data["companies"].items():  # staff matched the demo companies once, by hand
        company = Company.objects.filter(
            name__icontains={"romashka": "Ромашка", "veter": "Северный"}[slug]
        ).first()
        if company is not None:
            Link.objects.update_or_create(
                connection=connection,
                kind=Link.Kind.COMPANY,
                crm_id=crm_id,
                defaults={"object_id": company.pk},
            )
    engine.pull(Connection.objects.get(pk=connection.pk), sleep=lambda seconds: None)
    return url, connection, [str(d) for d in data["deals"]]
