"""The integrator API (``/api/v1/…``): staff-issued keys, every client's data within the key's scopes.

Reads come from ``kabinet.api.selectors``; writes call the same actions as the back office and the portal.
"""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router

from kabinet.api import schemas as s
from kabinet.api import selectors
from kabinet.api.auth import IntegratorKey, PerCaller
from kabinet.api.conventions import check_if_match, etag_of, idempotent
from kabinet.api.models import WRITE
from kabinet.api.pagination import paginate
from kabinet.api.params import ListParams
from kabinet.api.problems import Problem
from kabinet.crm import actions as crm_actions
from kabinet.crm.models import Company, Contact, Stage
from kabinet.tickets import actions as ticket_actions

router = Router(auth=IntegratorKey(), throttle=PerCaller(), tags=["integrator"])

PROBLEMS = {
    400: s.ProblemOut,
    401: s.ProblemOut,
    403: s.ProblemOut,
    404: s.ProblemOut,
    422: s.ProblemOut,
    429: s.ProblemOut,
}
WRITE_PROBLEMS = {**PROBLEMS, 409: s.ProblemOut, 412: s.ProblemOut, 422: s.ProblemOut, 428: s.ProblemOut}


def _ref(model, public_id: str | None, field: str):
    """A referenced object of the body, or a field error (a wrong reference is bad input, not a missing URL)."""
    if public_id is None:
        return None
    found = model.objects.filter(public_id=public_id).first()
    if found is None:
        raise Problem(
            422, _("The request is not valid."), errors=[{"field": field, "message": _("Unknown id.")}]
        )
    return found


def _page(queryset, params: ListParams):
    return paginate(queryset, limit=params.limit, starting_after=params.starting_after)


# --- Clients -----------------------------------------------------------------------------------------------
@router.get("/contacts", response={200: s.ContactList, **PROBLEMS}, url_name="contacts")
def list_contacts(request: HttpRequest, params: Query[ListParams]):
    request.auth.require("clients")
    return _page(selectors.all_contacts(updated_since=params.updated_since), params)


@router.post("/contacts", response={201: s.ContactOut, **WRITE_PROBLEMS}, url_name="contacts_create")
def create_contact(request: HttpRequest, payload: s.ContactIn):
    """Create a contact (and make him a member of ``company``). ``Idempotency-Key`` makes retries safe."""
    request.auth.require("clients", WRITE)
    company = _ref(Company, payload.company, "company")

    def run() -> Contact:
        contact = crm_actions.create_contact(
            actor=request.auth.user,
            first_name=payload.first_name,
            last_name=payload.last_name,
            middle_name=payload.middle_name,
            emails=payload.emails,
            phones=payload.phones,
        )
        if company is not None:
            crm_actions.add_membership(actor=request.auth.user, contact=contact, company=company)
        return contact

    return idempotent(request, s.ContactOut, run)


@router.get("/companies", response={200: s.CompanyList, **PROBLEMS}, url_name="companies")
def list_companies(request: HttpRequest, params: Query[ListParams]):
    request.auth.require("clients")
    return _page(selectors.all_companies(updated_since=params.updated_since), params)


# --- Orders ------------------------------------------------------------------------------------------------
@router.get("/orders", response={200: s.OrderList, **PROBLEMS}, url_name="orders")
def list_orders(request: HttpRequest, params: Query[ListParams], expand: Query[list[str]] = None):
    """Orders, newest first. ``expand=items`` brings each order's items (one more query per page)."""
    request.auth.require("orders")
    queryset = selectors.all_orders(updated_since=params.updated_since)
    if not (expand and "items" in expand):
        return _page(queryset, params)
    page = _page(queryset.prefetch_related("items"), params)
    s.with_items(page["data"])
    return page


@router.get("/orders/{order_id}", response={200: s.OrderOut, **PROBLEMS}, url_name="order")
def get_order(request: HttpRequest, order_id: str, response: HttpResponse):
    """One order with its items; the ``ETag`` answer header is what ``If-Match`` takes on updates."""
    request.auth.require("orders")
    order = selectors.all_orders().prefetch_related("items").get(public_id=order_id)
    response["ETag"] = etag_of(order)
    return s.with_items(order)


@router.post("/orders", response={201: s.OrderOut, **WRITE_PROBLEMS}, url_name="orders_create")
def create_order(request: HttpRequest, payload: s.OrderIn):
    """Open an order in the first stage of the default pipeline."""
    request.auth.require("orders", WRITE)
    contact = _ref(Contact, payload.contact, "contact")
    company = _ref(Company, payload.company, "company")
    items = [
        crm_actions.ItemInput(name=i.name, quantity=Decimal(i.quantity), price=Decimal(i.price), unit=i.unit)
        for i in payload.items
    ]

    def run():
        order = crm_actions.create_order(
            actor=request.auth.user,
            title=payload.title,
            company=company,
            contact=contact,
            description=payload.description,
            items=items,
        )
        return s.with_items(selectors.all_orders().prefetch_related("items").get(pk=order.pk))

    return idempotent(request, s.OrderOut, run)


@router.post("/orders/{order_id}/stage", response={200: s.OrderOut, **WRITE_PROBLEMS}, url_name="order_stage")
def change_stage(request: HttpRequest, order_id: str, payload: s.StageIn, response: HttpResponse):
    """Move an order to another stage of its pipeline. Needs ``If-Match`` with the order's ETag."""
    request.auth.require("orders", WRITE)
    order = selectors.all_orders().get(public_id=order_id)
    check_if_match(request, order)
    stage = Stage.objects.filter(pk=payload.stage, pipeline_id=order.pipeline_id).first()
    if stage is None:
        raise Problem(
            422,
            _("The request is not valid."),
            errors=[{"field": "stage", "message": _("Not a stage of this order.")}],
        )
    crm_actions.change_order_stage(actor=request.auth.user, order=order, stage=stage)
    order = s.with_items(selectors.all_orders().prefetch_related("items").get(pk=order.pk))
    response["ETag"] = etag_of(order)
    return order


# --- Invoices and documents --------------------------------------------------------------------------------
@router.get("/invoices", response={200: s.InvoiceList, **PROBLEMS}, url_name="invoices")
def list_invoices(request: HttpRequest, params: Query[ListParams], status: str | None = None):
    request.auth.require("invoices")
    return _page(selectors.all_invoices(status=status, updated_since=params.updated_since), params)


@router.get("/invoices/{invoice_id}", response={200: s.InvoiceOut, **PROBLEMS}, url_name="invoice")
def get_invoice(request: HttpRequest, invoice_id: str):
    request.auth.require("invoices")
    return selectors.all_invoices().get(public_id=invoice_id)


@router.get("/documents", response={200: s.DocumentList, **PROBLEMS}, url_name="documents")
def list_documents(request: HttpRequest, params: Query[ListParams]):
    request.auth.require("documents")
    return _page(selectors.all_documents(updated_since=params.updated_since), params)


@router.get("/documents/{document_id}", response={200: s.DocumentOut, **PROBLEMS}, url_name="document")
def get_document(request: HttpRequest, document_id: str):
    request.auth.require("documents")
    return selectors.all_documents().get(public_id=document_id)


# --- Tickets -----------------------------------------------------------------------------------------------
@router.get("/tickets", response={200: s.TicketList, **PROBLEMS}, url_name="tickets")
def list_tickets(request: HttpRequest, params: Query[ListParams]):
    request.auth.require("tickets")
    return _page(selectors.all_tickets(updated_since=params.updated_since), params)


@router.get("/tickets/{ticket_id}", response={200: s.TicketOut, **PROBLEMS}, url_name="ticket")
def get_ticket(request: HttpRequest, ticket_id: str):
    request.auth.require("tickets")
    return selectors.all_tickets().get(public_id=ticket_id)


@router.get(
    "/tickets/{ticket_id}/messages",
    response={200: s.TicketMessageList, **PROBLEMS},
    url_name="ticket_messages",
)
def list_ticket_messages(request: HttpRequest, ticket_id: str, params: Query[ListParams]):
    """The ticket's conversation, internal notes included (``is_internal``)."""
    request.auth.require("tickets")
    ticket = selectors.all_tickets().get(public_id=ticket_id)
    return _page(selectors.ticket_thread(ticket), params)


@router.post(
    "/tickets/{ticket_id}/messages",
    response={201: s.TicketMessageOut, **WRITE_PROBLEMS},
    url_name="ticket_messages_create",
)
def reply_to_ticket(request: HttpRequest, ticket_id: str, payload: s.TicketMessageIn):
    """An agent's reply (the client is told) or, with ``internal``, a note only staff see."""
    request.auth.require("tickets", WRITE)
    ticket = selectors.all_tickets().get(public_id=ticket_id)
    action = ticket_actions.add_internal_note if payload.internal else ticket_actions.add_agent_reply
    return idempotent(
        request, s.TicketMessageOut, lambda: action(actor=request.auth.user, ticket=ticket, body=payload.body)
    )


# --- Chat and history --------------------------------------------------------------------------------------
@router.get("/messages", response={200: s.MessageList, **PROBLEMS}, url_name="messages")
def list_messages(request: HttpRequest, params: Query[ListParams]):
    request.auth.require("messages")
    return _page(selectors.all_messages(updated_since=params.updated_since), params)


@router.get("/timeline", response={200: s.TimelineList, **PROBLEMS}, url_name="timeline")
def list_timeline(request: HttpRequest, params: Query[ListParams]):
    request.auth.require("timeline")
    return _page(selectors.all_timeline(updated_since=params.updated_since), params)
