"""``kabinet demo --crm bitrix24|amocrm|hubspot``: a local stand-in of the vendor's API with realistic deals, and a
connection to it, so a newcomer watches a connected CRM.

The stand-in (``kabinet.testing.bitrix`` / ``amocrm`` / ``hubspot``, the ones the tests use) is served on
its own port by a thread of the demo process. Besides the vendor's API it answers
``POST /stand-in/move/<deal id>/<stage id>``: the deal changes stage *in the CRM* and the stand-in posts the
vendor's event to Kabinet's inbox, exactly as the real CRM would; the client's order follows within seconds.
HubSpot's stand-in also holds a ticket of Anna's: ``/stand-in/move/<ticket id>/4`` closes it in HubSpot, and
her ticket page follows. HubSpot's events are signed (``X-HubSpot-Signature-v3``) with the demo's secret.
"""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from werkzeug import Request, Response
from werkzeug.serving import make_server

from kabinet.crm.models import Company
from kabinet.sync import actions, engine
from kabinet.sync import invoices as invoice_sync
from kabinet.sync import tickets as ticket_sync
from kabinet.sync.models import Connection, Link, PipelineMap, StageMap
from kabinet.testing.amocrm import PIPELINE, AmoCrmStandIn
from kabinet.testing.bitrix import Bitrix24StandIn
from kabinet.testing.hubspot import PIPELINE as HUBSPOT_PIPELINE
from kabinet.testing.hubspot import TICKET_PIPELINE, HubSpotStandIn

TOKEN = "demo-application-token"  # noqa: S105 - the local stand-in's, not a secret
HUBSPOT_SECRET = "demo-hubspot-client-secret"  # noqa: S105 - the local stand-in's, not a secret


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
    # smart invoices of Anna's first deal: the prepayment sent to her, the delivery already paid in Bitrix
    stand.add_invoice("Предоплата 50%", amount="92250.00", stage="DT31_2:S", deal=deals[0])
    stand.add_invoice("Доставка", amount="4500.00", stage="DT31_2:P", deal=deals[0])
    return {"companies": {romashka: "romashka", veter: "veter"}, "deals": deals}


def fill_amocrm(stand: AmoCrmStandIn) -> dict[str, Any]:
    anna = stand.add_contact("Анна", "Смирнова", phone="+79161234567", email="anna@demo.kabinet.test")
    boris = stand.add_contact("Борис", "Волков", phone="+79213456789")
    deals = [
        stand.add_lead("Поставка стеллажей (amoCRM)", price=184500, contact=anna),
        stand.add_lead("Обслуживание кондиционеров (amoCRM)", status=4_100_002, price=42000, contact=boris),
    ]
    return {"companies": {}, "deals": deals}


def fill_hubspot(stand: HubSpotStandIn) -> dict[str, Any]:
    anna = stand.add_contact("Анна", "Смирнова", phone="+79161234567", email="anna@demo.kabinet.test")
    boris = stand.add_contact("Борис", "Волков", phone="+79213456789")
    romashka = stand.add_company("ООО «Ромашка»")
    deals = [
        stand.add_deal(
            "Поставка стеллажей (HubSpot)",
            stage="qualifiedtobuy",
            amount="184500",
            contact=anna,
            company=romashka,
        ),
        stand.add_deal("Обслуживание кондиционеров (HubSpot)", amount="42000", contact=boris),
    ]
    ticket = stand.add_ticket(
        "Не приходит счёт на почту (HubSpot)", content="Счёт за ноябрь не пришёл.", contact=anna, stage="3"
    )
    return {"companies": {romashka: "romashka"}, "deals": deals, "tickets": [ticket]}


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

    def move_hubspot(self, object_id: str, stage: str) -> Response:
        stand: HubSpotStandIn = self.stand
        if object_id in stand.objects["tickets"]:
            stand.update("tickets", object_id, hs_pipeline_stage=stage)
            event = stand.event("ticket.propertyChange", object_id, propertyName="hs_pipeline_stage")
        elif object_id in stand.objects["deals"]:
            stand.update("deals", object_id, dealstage=stage)
            event = stand.event("deal.propertyChange", object_id, propertyName="dealstage")
        else:
            return Response("no such deal or ticket\n", status=404)
        body, headers = stand.signed(
            [event], secret=HUBSPOT_SECRET, uri=self.inbox_url, timestamp_ms=int(time.time() * 1000)
        )
        threading.Thread(
            target=lambda: httpx.post(
                self.inbox_url,
                content=body,
                headers={**headers, "Content-Type": "application/json"},
                timeout=10,
            ),
            daemon=True,
        ).start()
        return Response(f"moved {object_id} to {stage}; the event is on its way\n")

    def move(self, deal_id: str, stage: str) -> Response:
        if self.kind == "hubspot":
            return self.move_hubspot(deal_id, stage)
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


def start(
    kind: str, *, host: str, port: int, kabinet_url: str
) -> tuple[str, Connection, list[str], list[str]]:
    """Serve the stand-in on ``port`` in a daemon thread, connect Kabinet to it and import its deals (and
    tickets). Answers the stand-in's address, the connection and the CRM ids of its deals and tickets."""
    stand: Any = {
        "bitrix24": lambda: Bitrix24StandIn(application_token=TOKEN),
        "amocrm": AmoCrmStandIn,
        "hubspot": HubSpotStandIn,
    }[kind]()
    data = {"bitrix24": fill_bitrix, "amocrm": fill_amocrm, "hubspot": fill_hubspot}[kind](stand)
    server = make_server(
        host, port, lambda environ, start_response: app(environ, start_response), threaded=True
    )
    url = f"http://{host}:{server.server_port}"
    name = {"bitrix24": "Демо: Битрикс24", "amocrm": "Демо: amoCRM", "hubspot": "Демо: HubSpot"}[kind]
    if kind == "bitrix24":
        config = {"webhook_url": f"{url}/rest/1/demo/", "application_token": TOKEN}
    elif kind == "amocrm":
        config = {"base_url": url, "account_id": str(stand.account_id), "access_token": stand.access_token}
    else:
        config = {
            "api_url": url,
            "access_token": stand.access_token,
            "client_secret": HUBSPOT_SECRET,
            "portal_id": str(stand.portal_id),
        }
    connection = Connection.objects.filter(name=name).first() or Connection(name=name, provider=kind)
    # The stand-in starts empty at every start: a fresh cursor, and the same deals are found again by id.
    Connection.objects.filter(pk=connection.pk).update(
        cursor=None, ticket_cursor=None, invoice_cursor=None, checkpoint={}
    )
    connection = actions.save_connection(actor=None, connection=connection, config=config)
    app = StandInApp(kind, stand, kabinet_url + f"/hooks/in/{connection.inbox_source.path_secret}/")
    threading.Thread(target=server.serve_forever, daemon=True, name=f"{kind}-stand-in").start()
    actions.load_pipelines(actor=None, connection=connection)
    crm_pipelines = {
        "bitrix24": ["0"],
        "amocrm": [str(PIPELINE)],
        "hubspot": [HUBSPOT_PIPELINE, ticket_sync.pipeline_key(TICKET_PIPELINE)],
    }[kind]
    for crm_pipeline in crm_pipelines:
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
    # the smart invoices' paid stage, as staff tick it on the mapping screen
    StageMap.objects.filter(connection=connection, crm_pipeline_id="invoice:2", crm_id="DT31_2:P").update(
        marks_paid=True
    )
    engine.pull(Connection.objects.get(pk=connection.pk), sleep=lambda seconds: None)
    ticket_sync.pull_tickets(Connection.objects.get(pk=connection.pk), sleep=lambda seconds: None)
    invoice_sync.pull_invoices(Connection.objects.get(pk=connection.pk), sleep=lambda seconds: None)
    return url, connection, [str(d) for d in data["deals"]], [str(t) for t in data.get("tickets", [])]
