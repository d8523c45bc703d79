"""``kabinet demo --crm bitrix24|amocrm|hubspot|yclients``: a local stand-in of the vendor's API with realistic
deals (or records), and a connection to it, so a newcomer watches a connected CRM.

The stand-in (``kabinet.testing.bitrix`` / ``amocrm`` / ``hubspot``, the ones the tests use) is served on
its own port by a thread of the demo process. Besides the vendor's API it answers
``POST /stand-in/move/<deal id>/<stage id>``: the deal changes stage *in the CRM* and the stand-in posts the
vendor's event to Kabinet's inbox, exactly as the real CRM would; the client's order follows within seconds.
HubSpot's stand-in also holds a ticket of Anna's: ``/stand-in/move/<ticket id>/4`` closes it in HubSpot, and
her ticket page follows; ``POST /stand-in/reply/<ticket id>`` (the body: the text) is an agent's note on it in
HubSpot, which appears on her ticket as the support team's answer (emailed to her like any). The tickets she
opens in the portal start in the pipeline mirrored from HubSpot, so they are created in the stand-in too;
``GET /stand-in/tickets`` lists its tickets with their notes. HubSpot's events are signed
(``X-HubSpot-Signature-v3``) with the demo's secret.
YCLIENTS's stand-in holds a salon (its services, staff) and Anna's and Boris's records:
``/stand-in/move/<record id>/deleted`` deletes one in YCLIENTS (``/1`` marks the client came, ``/-1`` a no-show),
and the unsigned event reaches the inbox, which fetches the record again; Anna's booking follows.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from werkzeug import Request, Response
from werkzeug.serving import make_server

from kabinet.crm.models import Company
from kabinet.sync import actions, engine
from kabinet.sync import bookings as booking_sync
from kabinet.sync import invoices as invoice_sync
from kabinet.sync import tickets as ticket_sync
from kabinet.sync.models import Connection, Link, PipelineMap, StageMap
from kabinet.testing.amocrm import PIPELINE, AmoCrmStandIn
from kabinet.testing.bitrix import Bitrix24StandIn
from kabinet.testing.hubspot import PIPELINE as HUBSPOT_PIPELINE
from kabinet.testing.hubspot import TICKET_PIPELINE, HubSpotStandIn
from kabinet.testing.yclients import LOGIN, PASSWORD, YclientsStandIn

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


def fill_yclients(stand: YclientsStandIn) -> dict[str, Any]:
    import datetime

    salon = stand.add_company("Салон «Лаванда» (YCLIENTS)", zone="Europe/Moscow", company_id=4564)
    cut = stand.add_service(salon, "Женская стрижка", minutes=60, price=2200)
    color = stand.add_service(salon, "Окрашивание", minutes=120, price=5400)
    manicure = stand.add_service(salon, "Маникюр", minutes=90, price=1800)
    olga = stand.add_staff(salon, "Ольга Белова", [cut, color], title="Стилист-колорист")
    marina = stand.add_staff(salon, "Марина Кузнецова", [manicure], title="Мастер маникюра")
    anna = stand.add_client(salon, "Анна Смирнова", "+79161234567", "anna@demo.kabinet.test")
    boris = stand.add_client(salon, "Борис Волков", "+79213456789")
    stand.add_card(anna, balance="1500.00", points="320", title="Клубная карта")
    zone = datetime.timezone(datetime.timedelta(hours=3))
    today = datetime.datetime.now(tz=zone).replace(hour=0, minute=0, second=0, microsecond=0)
    records = [
        stand.add_record(
            salon,
            staff_id=olga,
            service_id=cut,
            client_id=anna,
            starts=today + datetime.timedelta(days=3, hours=11),
        ),
        stand.add_record(
            salon,
            staff_id=marina,
            service_id=manicure,
            client_id=anna,
            starts=today + datetime.timedelta(days=5, hours=15),
        ),
        stand.add_record(
            salon,
            staff_id=olga,
            service_id=color,
            client_id=anna,
            starts=today - datetime.timedelta(days=12) + datetime.timedelta(hours=10),
            attendance=1,
        ),
        stand.add_record(
            salon,
            staff_id=olga,
            service_id=cut,
            client_id=boris,
            starts=today + datetime.timedelta(days=2, hours=17),
        ),
    ]
    return {"companies": {}, "deals": records}


def plan_yclients_staff(connection: Connection) -> None:
    """YCLIENTS's staff schedules are not imported: the demo gives its masters the working plan staff would
    (10:00–19:00, Monday to Saturday), so Anna can book them in her cabinet."""
    import datetime

    from kabinet.bookings.models import Specialist, WorkingHours

    ids = Link.objects.filter(connection=connection, kind=Link.Kind.SPECIALIST).values_list(
        "object_id", flat=True
    )
    for person in Specialist.objects.filter(pk__in=list(ids), working_hours__isnull=True):
        WorkingHours.objects.bulk_create(
            WorkingHours(specialist=person, weekday=day, starts=datetime.time(10), ends=datetime.time(19))
            for day in range(6)
        )


class StandInApp:
    """The WSGI app of the stand-in: the vendor's API plus the "move a deal" control."""

    def __init__(self, kind: str, stand: Any, inbox_url: str) -> None:
        self.kind, self.stand, self.inbox_url = kind, stand, inbox_url

    def __call__(self, environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        if request.path.startswith("/stand-in/move/") and request.method == "POST":
            response = self.move(*request.path.removeprefix("/stand-in/move/").strip("/").split("/")[:2])
        elif (
            self.kind == "hubspot"
            and request.path.startswith("/stand-in/reply/")
            and request.method == "POST"
        ):
            ticket_id = request.path.removeprefix("/stand-in/reply/").strip("/")
            response = self.reply_hubspot(ticket_id, request.get_data(as_text=True).strip())
        elif self.kind == "hubspot" and request.path == "/stand-in/tickets":
            response = self.hubspot_tickets()
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
        self.post_hubspot(event)
        return Response(f"moved {object_id} to {stage}; the event is on its way\n")

    def post_hubspot(self, event: dict[str, Any]) -> None:
        stand: HubSpotStandIn = self.stand
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

    def reply_hubspot(self, ticket_id: str, text: str) -> Response:
        """An agent's note on the ticket in HubSpot; the association event makes Kabinet read it."""
        stand: HubSpotStandIn = self.stand
        if ticket_id not in stand.objects["tickets"]:
            return Response("no such ticket\n", status=404)
        note_id = stand.add_note(ticket_id, text or "Мы разобрались: счёт отправлен повторно.", owner="75123")
        self.post_hubspot(stand.event("ticket.associationChange", ticket_id, changeFlag="ASSOCIATION_ADDED"))
        return Response(f"note {note_id} on ticket {ticket_id}; the event is on its way\n")

    def hubspot_tickets(self) -> Response:
        """What the stand-in holds: each ticket with its stage and its notes and emails, newest first."""
        stand: HubSpotStandIn = self.stand
        rows = []
        for ticket_id, row in sorted(stand.objects["tickets"].items(), reverse=True):
            notes = [
                str(stand.objects[kind][to_id]["properties"].get(body) or "")
                for kind, body in (("notes", "hs_note_body"), ("emails", "hs_email_text"))
                for to_id, _type in stand.linked(ticket_id, kind)
                if to_id in stand.objects[kind]
            ]
            properties = row["properties"]
            rows.append(
                {
                    "id": ticket_id,
                    "subject": properties.get("subject"),
                    "stage": properties.get("hs_pipeline_stage"),
                    "notes": notes,
                }
            )
        return Response(json.dumps(rows, ensure_ascii=False, indent=1), content_type="application/json")

    def move_yclients(self, record_id: str, what: str) -> Response:
        stand: YclientsStandIn = self.stand
        if not record_id.isdigit() or int(record_id) not in stand.records:
            return Response("no such record\n", status=404)
        record = stand.records[int(record_id)]
        if what == "deleted":
            stand.delete_record(int(record_id))
        elif what.lstrip("-").isdigit():
            stand.change_record(int(record_id), attendance=int(what))
        else:
            return Response("deleted, or an attendance: 2, 1, 0, -1\n", status=400)
        event = stand.event(
            "record",
            int(record_id),
            "delete" if what == "deleted" else "update",
            company_id=record["company_id"],
        )
        threading.Thread(
            target=lambda: httpx.post(self.inbox_url, json=event, timeout=10), daemon=True
        ).start()
        return Response(f"record {record_id}: {what}; the event is on its way\n")

    def move(self, deal_id: str, stage: str) -> Response:
        if self.kind == "hubspot":
            return self.move_hubspot(deal_id, stage)
        if self.kind == "yclients":
            return self.move_yclients(deal_id, stage)
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


def portal_tickets_in(pipeline: Any) -> None:
    from kabinet.tickets import actions as ticket_actions
    from kabinet.tickets.models import TicketSettings

    row = TicketSettings.objects.order_by("pk").first() or TicketSettings()
    if pipeline is not None and row.portal_pipeline_id != pipeline.pk:
        row.portal_pipeline = pipeline
        ticket_actions.save_ticket_settings(actor=None, settings_row=row, changed_fields=["portal_pipeline"])


def start(
    kind: str, *, host: str, port: int, kabinet_url: str
) -> tuple[str, Connection, list[str], list[str]]:
    """Serve the stand-in on ``port`` in a daemon thread, connect Kabinet to it and import its deals (and
    tickets). Answers the stand-in's address, the connection and the CRM ids of its deals and tickets."""
    stand: Any = {
        "bitrix24": lambda: Bitrix24StandIn(application_token=TOKEN),
        "amocrm": AmoCrmStandIn,
        "hubspot": HubSpotStandIn,
        "yclients": YclientsStandIn,
    }[kind]()
    data = {
        "bitrix24": fill_bitrix,
        "amocrm": fill_amocrm,
        "hubspot": fill_hubspot,
        "yclients": fill_yclients,
    }[kind](stand)
    server = make_server(
        host, port, lambda environ, start_response: app(environ, start_response), threaded=True
    )
    url = f"http://{host}:{server.server_port}"
    name = {
        "bitrix24": "Демо: Битрикс24",
        "amocrm": "Демо: amoCRM",
        "hubspot": "Демо: HubSpot",
        "yclients": "Демо: YCLIENTS",
    }[kind]
    if kind == "bitrix24":
        config = {"webhook_url": f"{url}/rest/1/demo/", "application_token": TOKEN}
    elif kind == "yclients":
        config = {
            "api_url": f"{url}/api/v1",
            "partner_token": stand.partner_token,
            "login": LOGIN,
            "password": PASSWORD,
        }
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
        cursor=None, ticket_cursor=None, invoice_cursor=None, checkpoint={}, booking_sync={}
    )
    connection = actions.save_connection(actor=None, connection=connection, config=config)
    app = StandInApp(kind, stand, kabinet_url + f"/hooks/in/{connection.inbox_source.path_secret}/")
    threading.Thread(target=server.serve_forever, daemon=True, name=f"{kind}-stand-in").start()
    actions.load_pipelines(actor=None, connection=connection)
    crm_pipelines = {
        "bitrix24": ["0"],
        "amocrm": [str(PIPELINE)],
        "hubspot": [HUBSPOT_PIPELINE, ticket_sync.pipeline_key(TICKET_PIPELINE)],
        "yclients": [],  # no deals: a salon's records are bookings
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
    if kind == "hubspot":  # the tickets clients open in the portal start in HubSpot's pipeline: both ways
        portal_tickets_in(PipelineMap.objects.get(connection=connection, crm_id=crm_pipelines[1]).pipeline)
    # the smart invoices' paid stage, as staff tick it on the mapping screen
    StageMap.objects.filter(connection=connection, crm_pipeline_id="invoice:2", crm_id="DT31_2:P").update(
        marks_paid=True
    )
    engine.pull(Connection.objects.get(pk=connection.pk), sleep=lambda seconds: None)
    ticket_sync.pull_tickets(Connection.objects.get(pk=connection.pk), sleep=lambda seconds: None)
    invoice_sync.pull_invoices(Connection.objects.get(pk=connection.pk), sleep=lambda seconds: None)
    booking_sync.pull_bookings(Connection.objects.get(pk=connection.pk), sleep=lambda seconds: None)
    if kind == "yclients":
        plan_yclients_staff(connection)
    return url, connection, [str(d) for d in data["deals"]], [str(t) for t in data.get("tickets", [])]
