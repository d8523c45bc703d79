"""The client API (``/api/v1/me/…``): the signed-in client (session or personal token), as in the portal.

Every read goes through the app's viewer-scoped selector, so an id the portal answers 404 for answers 404
here too.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Query, Router
from ninja.files import UploadedFile

from kabinet.api import schemas as s
from kabinet.api.auth import PerCaller, PersonalToken, PortalSession
from kabinet.api.conventions import check_if_match, etag_of, idempotent
from kabinet.api.integrator import PROBLEMS, UPLOAD_PROBLEMS, WRITE_PROBLEMS, _no_nulls
from kabinet.api.models import WRITE
from kabinet.api.pagination import paginate
from kabinet.api.params import ListParams
from kabinet.api.selectors import contact_details, editable_details
from kabinet.billing.selectors import invoices_visible_to
from kabinet.crm import actions as crm_actions
from kabinet.crm.models import Company, Contact
from kabinet.crm.selectors import order_for_viewer, orders_visible_to, timeline_visible_to
from kabinet.documents.selectors import documents_visible_to
from kabinet.messaging import actions as messaging_actions
from kabinet.messaging.selectors import messages_visible_to
from kabinet.notifications import actions as notification_actions
from kabinet.tickets import actions as ticket_actions
from kabinet.tickets.models import Ticket
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


# --- Writes a mobile app needs -----------------------------------------------------------------------------
@router.post("/tickets", response={201: s.TicketOut, **WRITE_PROBLEMS}, url_name="me_tickets_create")
def open_my_ticket(request: HttpRequest, payload: s.ClientTicketIn):
    """Ask for help: a ticket in the active company context, as the portal's "New request" opens it."""
    request.auth.require("tickets", WRITE)
    viewer = request.auth.viewer

    def run() -> Ticket:
        ticket = ticket_actions.create_ticket(
            actor=viewer.user,
            subject=payload.subject,
            body=payload.body,
            company=Company.objects.get(pk=viewer.active_company_id) if viewer.active_company_id else None,
            contact=Contact.objects.get(pk=viewer.contact_id),
            source=Ticket.Source.PORTAL,
        )
        return Ticket.objects.select_related("stage", "company", "contact").get(pk=ticket.pk)

    return idempotent(request, s.TicketOut, run)


@router.post("/messages", response={201: s.MessageOut, **UPLOAD_PROBLEMS}, url_name="me_messages_create")
def send_my_message(
    request: HttpRequest,
    payload: Form[s.ClientMessageIn],
    attachments: File[list[UploadedFile]] = None,
):
    """Write to the team (``multipart/form-data``: ``body`` and any ``attachments`` parts), in the active
    company context; files are checked as in the portal's chat."""
    request.auth.require("messages", WRITE)
    viewer = request.auth.viewer
    return idempotent(
        request,
        s.MessageOut,
        lambda: messaging_actions.send_client_message(
            actor=viewer.user, viewer=viewer, body=payload.body, uploads=attachments or []
        ),
    )


def _my_details(request: HttpRequest) -> Contact:
    # The viewer's own contact, nobody else's: the client API has no contact id to pass.
    return contact_details().get(pk=request.auth.viewer.contact_id)


@router.get("/profile", response={200: s.ContactDetailOut, **PROBLEMS}, url_name="me_profile")
def my_profile(request: HttpRequest, response: HttpResponse):
    """My data: name, delivery address, emails and phones (each with whether it is verified)."""
    request.auth.require("clients")
    contact = _my_details(request)
    response["ETag"] = etag_of(contact)
    return contact


@router.patch("/profile", response={200: s.ContactDetailOut, **WRITE_PROBLEMS}, url_name="me_profile_update")
def update_my_profile(request: HttpRequest, payload: s.ProfileUpdate, response: HttpResponse):
    """Change my data as the portal's "My data" page does (the same action and rules). Needs ``If-Match``."""
    request.auth.require("clients", WRITE)
    viewer = request.auth.viewer
    changes = _no_nulls(payload.dict(exclude_unset=True))
    with transaction.atomic():
        contact = _my_details(request)
        check_if_match(request, contact)
        current = editable_details(contact)
        company = (
            Company.objects.filter(pk=viewer.active_company_id).first() if viewer.active_company_id else None
        )
        crm_actions.update_contact_details(
            actor=viewer.user, contact=contact, company=company, **{**current, **changes}
        )
    contact = _my_details(request)
    response["ETag"] = etag_of(contact)
    return contact


@router.post(
    "/orders/{order_id}/decision", response={200: s.OrderOut, **WRITE_PROBLEMS}, url_name="me_order_decision"
)
def decide_on_my_order(request: HttpRequest, order_id: str, payload: s.DecisionIn):
    """Confirm or decline what the order's stage asks of me (an offer, an estimate), as on the order page."""
    request.auth.require("orders", WRITE)
    viewer = request.auth.viewer
    order = order_for_viewer(viewer, order_id)

    def run():
        crm_actions.respond_to_order(
            actor=viewer.user, order=order, decision=payload.decision, comment=payload.comment
        )
        return s.with_items(
            orders_visible_to(viewer)
            .select_related("company", "contact")
            .prefetch_related("items")
            .get(pk=order.pk)
        )

    return idempotent(request, s.OrderOut, run, status=200)


@router.post(
    "/notifications/read",
    response={200: s.NotificationsReadOut, **WRITE_PROBLEMS},
    url_name="me_notifications_read",
)
def read_my_notifications(request: HttpRequest, payload: s.NotificationsReadIn):
    """Mark my notices read: the ones named, or every unread one."""
    request.auth.require("messages", WRITE)  # notices are the chat's kin: no scope of their own
    viewer = request.auth.viewer
    return idempotent(
        request,
        s.NotificationsReadOut,
        lambda: {
            "changed": notification_actions.mark_read(
                actor=viewer.user, viewer=viewer, notifications=payload.notifications
            )
        },
        status=200,
    )
