"""The client API (``/api/v1/me/…``): the signed-in client (session or personal token), as in the portal.

Every read goes through the app's viewer-scoped selector, so an id the portal answers 404 for answers 404
here too.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from kabinet.api import schemas as s
from kabinet.api.auth import PerCaller, PersonalToken, PortalSession
from kabinet.api.conventions import idempotent
from kabinet.api.integrator import PROBLEMS, WRITE_PROBLEMS
from kabinet.api.models import WRITE
from kabinet.api.pagination import paginate
from kabinet.api.params import ListParams
from kabinet.billing.selectors import invoices_visible_to
from kabinet.crm.models import Contact
from kabinet.crm.selectors import orders_visible_to, timeline_visible_to
from kabinet.documents.selectors import documents_visible_to
from kabinet.messaging.selectors import messages_visible_to
from kabinet.tickets import actions as ticket_actions
from kabinet.tickets.selectors import ticket_for_viewer, ticket_messages_visible_to, tickets_visible_to

router = Router(auth=[PersonalToken(), PortalSession()], throttle=PerCaller(), tags=["client"])


def _page(queryset, params: ListParams):
    return paginate(queryset, limit=params.limit, starting_after=params.starting_after)


@router.get("/orders", response={200: s.OrderList, **PROBLEMS}, url_name="me_orders")
def my_orders(request: HttpRequest, params: Query[ListParams], expand: Query[list[str]] = None):
    request.auth.require("orders")
    queryset = orders_visible_to(request.auth.viewer, updated_since=params.updated_since).select_related(
        "company", "contact"
    )
    if not (expand and "items" in expand):
        return _page(queryset, params)
    page = _page(queryset.prefetch_related("items"), params)
    s.with_items(page["data"])
    return page


@router.get("/orders/{order_id}", response={200: s.OrderOut, **PROBLEMS}, url_name="me_order")
def my_order(request: HttpRequest, order_id: str):
    request.auth.require("orders")
    return s.with_items(
        orders_visible_to(request.auth.viewer)
        .select_related("company", "contact")
        .prefetch_related("items")
        .get(public_id=order_id)
    )


@router.get("/invoices", response={200: s.InvoiceList, **PROBLEMS}, url_name="me_invoices")
def my_invoices(request: HttpRequest, params: Query[ListParams], status: str | None = None):
    request.auth.require("invoices")
    viewer = request.auth.viewer
    queryset = invoices_visible_to(viewer, status=status, updated_since=params.updated_since)
    return _page(queryset.select_related("order", "company", "contact"), params)


@router.get("/invoices/{invoice_id}", response={200: s.InvoiceOut, **PROBLEMS}, url_name="me_invoice")
def my_invoice(request: HttpRequest, invoice_id: str):
    request.auth.require("invoices")
    return (
        invoices_visible_to(request.auth.viewer)
        .select_related("order", "company", "contact")
        .get(public_id=invoice_id)
    )


@router.get("/documents", response={200: s.DocumentList, **PROBLEMS}, url_name="me_documents")
def my_documents(request: HttpRequest, params: Query[ListParams]):
    request.auth.require("documents")
    queryset = documents_visible_to(request.auth.viewer, updated_since=params.updated_since)
    return _page(queryset.select_related("order", "company", "contact"), params)


@router.get("/documents/{document_id}", response={200: s.DocumentOut, **PROBLEMS}, url_name="me_document")
def my_document(request: HttpRequest, document_id: str):
    request.auth.require("documents")
    return (
        documents_visible_to(request.auth.viewer)
        .select_related("order", "company", "contact")
        .get(public_id=document_id)
    )


@router.get("/tickets", response={200: s.TicketList, **PROBLEMS}, url_name="me_tickets")
def my_tickets(request: HttpRequest, params: Query[ListParams]):
    request.auth.require("tickets")
    queryset = tickets_visible_to(request.auth.viewer, updated_since=params.updated_since)
    return _page(queryset.select_related("company", "contact"), params)


@router.get("/tickets/{ticket_id}", response={200: s.TicketOut, **PROBLEMS}, url_name="me_ticket")
def my_ticket(request: HttpRequest, ticket_id: str):
    request.auth.require("tickets")
    return (
        tickets_visible_to(request.auth.viewer).select_related("company", "contact").get(public_id=ticket_id)
    )


@router.get(
    "/tickets/{ticket_id}/messages",
    response={200: s.TicketMessageList, **PROBLEMS},
    url_name="me_ticket_messages",
)
def my_ticket_messages(request: HttpRequest, ticket_id: str, params: Query[ListParams]):
    """The public conversation of the ticket (internal notes never reach a client)."""
    request.auth.require("tickets")
    ticket = ticket_for_viewer(request.auth.viewer, ticket_id)
    return _page(ticket_messages_visible_to(request.auth.viewer, ticket), params)


@router.post(
    "/tickets/{ticket_id}/messages",
    response={201: s.TicketMessageOut, **WRITE_PROBLEMS},
    url_name="me_ticket_messages_create",
)
def reply_to_my_ticket(request: HttpRequest, ticket_id: str, payload: s.TicketMessageIn):
    """The client's reply (``internal`` is ignored: clients cannot write notes)."""
    request.auth.require("tickets", WRITE)
    viewer = request.auth.viewer
    ticket = ticket_for_viewer(viewer, ticket_id)
    return idempotent(
        request,
        s.TicketMessageOut,
        lambda: ticket_actions.add_client_reply(
            actor=viewer.user,
            ticket=ticket,
            contact=Contact.objects.get(pk=viewer.contact_id),
            body=payload.body,
        ),
    )


@router.get("/messages", response={200: s.MessageList, **PROBLEMS}, url_name="me_messages")
def my_messages(request: HttpRequest, params: Query[ListParams]):
    request.auth.require("messages")
    queryset = messages_visible_to(request.auth.viewer, updated_since=params.updated_since)
    return _page(queryset.select_related("conversation"), params)


@router.get("/timeline", response={200: s.TimelineList, **PROBLEMS}, url_name="me_timeline")
def my_timeline(request: HttpRequest, params: Query[ListParams]):
    request.auth.require("timeline")
    return _page(timeline_visible_to(request.auth.viewer, updated_since=params.updated_since), params)
