"""The integrator API (``/api/v1/…``): staff-issued keys, every client's data within the key's scopes.

Reads come from ``kabinet.api.selectors``; writes call the same actions as the back office and the portal.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from kabinet.api import schemas as s
from kabinet.api import selectors
from kabinet.api.auth import IntegratorKey, PerCaller
from kabinet.api.conventions import check_if_match, etag_of, idempotent
from kabinet.api.models import WRITE
from kabinet.api.pagination import paginate
from kabinet.api.params import ListParams
from kabinet.api.problems import Problem
from kabinet.billing import actions as billing_actions
from kabinet.crm import actions as crm_actions
from kabinet.crm.models import Company, Contact, Order, Stage
from kabinet.documents import actions as document_actions
from kabinet.files import actions as file_actions
from kabinet.files.views import file_response
from kabinet.messaging import actions as messaging_actions
from kabinet.signing import actions as signing_actions
from kabinet.tickets import actions as ticket_actions
from kabinet.tickets.models import Ticket

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
UPLOAD_PROBLEMS = {**WRITE_PROBLEMS, 413: s.ProblemOut}


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


def _no_nulls(changes: dict, nullable: set[str] = frozenset()) -> dict:
    """A PATCH may leave a field out, but ``null`` only clears the fields that may be empty."""
    refused = [f for f, v in changes.items() if v is None and f not in nullable]
    if refused:
        raise Problem(
            422,
            _("The request is not valid."),
            errors=[{"field": f, "message": _("This field cannot be empty.")} for f in refused],
        )
    return changes


DOWNLOAD = {
    "responses": {
        200: {
            "description": "The file's bytes, with its own content type (an attachment; never sniffed).",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


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


@router.get("/contacts/{contact_id}", response={200: s.ContactDetailOut, **PROBLEMS}, url_name="contact")
def get_contact(request: HttpRequest, contact_id: str, response: HttpResponse):
    """One contact with his emails and phones; the ``ETag`` is what ``If-Match`` takes on updates."""
    request.auth.require("clients")
    contact = selectors.contact_details().get(public_id=contact_id)
    response["ETag"] = etag_of(contact)
    return contact


@router.patch(
    "/contacts/{contact_id}", response={200: s.ContactDetailOut, **WRITE_PROBLEMS}, url_name="contact_update"
)
def update_contact(request: HttpRequest, contact_id: str, payload: s.ContactUpdate, response: HttpResponse):
    """Change the fields sent (``client.updated`` webhook). Needs ``If-Match``. New addresses stay unverified
    (they sign nobody in) until the person proves them with a code; kept ones keep their verification."""
    request.auth.require("clients", WRITE)
    changes = _no_nulls(payload.dict(exclude_unset=True))
    with transaction.atomic():
        contact = selectors.contact_details().select_for_update(of=("self",)).get(public_id=contact_id)
        check_if_match(request, contact)
        current = selectors.editable_details(contact)
        crm_actions.update_contact_details(actor=request.auth.user, contact=contact, **{**current, **changes})
    contact = selectors.contact_details().get(pk=contact.pk)
    response["ETag"] = etag_of(contact)
    return contact


@router.get("/companies", response={200: s.CompanyList, **PROBLEMS}, url_name="companies")
def list_companies(request: HttpRequest, params: Query[ListParams]):
    request.auth.require("clients")
    return _page(selectors.all_companies(updated_since=params.updated_since), params)


@router.get("/companies/{company_id}", response={200: s.CompanyOut, **PROBLEMS}, url_name="company")
def get_company(request: HttpRequest, company_id: str, response: HttpResponse):
    """One company; the ``ETag`` is what ``If-Match`` takes on updates."""
    request.auth.require("clients")
    company = selectors.all_companies().get(public_id=company_id)
    response["ETag"] = etag_of(company)
    return company


@router.post("/companies", response={201: s.CompanyOut, **WRITE_PROBLEMS}, url_name="companies_create")
def create_company(request: HttpRequest, payload: s.CompanyIn):
    """Create a company. INN, KPP, OGRN (and NIP, REGON, EU VAT) are checked by their checksums: a wrong one
    is a 422 at its field."""
    request.auth.require("clients", WRITE)
    details = payload.dict()
    name = details.pop("name")
    return idempotent(
        request,
        s.CompanyOut,
        lambda: crm_actions.create_company(actor=request.auth.user, name=name, **details),
        etag=True,
    )


@router.patch(
    "/companies/{company_id}", response={200: s.CompanyOut, **WRITE_PROBLEMS}, url_name="company_update"
)
def update_company(request: HttpRequest, company_id: str, payload: s.CompanyUpdate, response: HttpResponse):
    """Change the fields sent, validated as on creation (``client.updated`` webhook). Needs ``If-Match``."""
    request.auth.require("clients", WRITE)
    changes = _no_nulls(payload.dict(exclude_unset=True))
    with transaction.atomic():
        company = selectors.all_companies().select_for_update().get(public_id=company_id)
        check_if_match(request, company)
        crm_actions.update_company(actor=request.auth.user, company=company, **changes)
    response["ETag"] = etag_of(company)
    return company


@router.post(
    "/contacts/{contact_id}/memberships",
    response={201: s.MembershipOut, **WRITE_PROBLEMS},
    url_name="memberships_create",
)
def add_membership(request: HttpRequest, contact_id: str, payload: s.MembershipIn):
    """Make the contact a member (or, with ``role: admin``, a company admin) of a company; an existing
    membership takes the new role."""
    request.auth.require("clients", WRITE)
    contact = selectors.all_contacts().get(public_id=contact_id)
    company = _ref(Company, payload.company, "company")
    return idempotent(
        request,
        s.MembershipOut,
        lambda: crm_actions.add_membership(
            actor=request.auth.user, contact=contact, company=company, role=payload.role
        ),
    )


@router.delete(
    "/contacts/{contact_id}/memberships/{company_id}",
    response={204: None, **WRITE_PROBLEMS},
    url_name="membership_delete",
)
def remove_membership(request: HttpRequest, contact_id: str, company_id: str):
    """Take the contact out of the company (his orders and documents stay with the company)."""
    request.auth.require("clients", WRITE)
    contact = selectors.all_contacts().get(public_id=contact_id)
    membership = selectors.membership_of(contact=contact, company_public_id=company_id)
    crm_actions.remove_membership(actor=request.auth.user, membership=membership)
    return Status(204, None)


# --- Pipelines and stages ----------------------------------------------------------------------------------
@router.get("/pipelines", response={200: s.PipelineList, **PROBLEMS}, url_name="pipelines")
def list_pipelines(request: HttpRequest):
    """The order pipelines (scope ``orders``) and ticket pipelines (scope ``tickets``) with their stages.

    Configuration, not data: every pipeline in one answer (``has_more`` is always false)."""
    caller = request.auth
    kinds = [
        kind
        for kind, resource in (("order", "orders"), ("ticket", "tickets"))
        if caller.api_key.allows(resource)
    ]
    if not kinds:
        caller.require("orders")
    return {"object": "list", "data": list(selectors.all_pipelines(kinds=kinds)), "has_more": False}


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


@router.post(
    "/orders/{order_id}/items", response={201: s.OrderOut, **WRITE_PROBLEMS}, url_name="order_items_create"
)
def add_order_item(request: HttpRequest, order_id: str, payload: s.OrderItemIn):
    """Append an item to an order. Needs ``If-Match`` with the order's ETag; answers the order with its items
    and its new ETag."""
    request.auth.require("orders", WRITE)
    order = selectors.all_orders().get(public_id=order_id)
    item = crm_actions.ItemInput(
        name=payload.name, quantity=Decimal(payload.quantity), price=Decimal(payload.price), unit=payload.unit
    )

    def run() -> Order:
        locked = selectors.all_orders().select_for_update(of=("self",)).get(pk=order.pk)
        check_if_match(request, locked)  # inside the lock: two writers cannot both pass with one ETag
        crm_actions.add_order_item(
            actor=request.auth.user, order=locked, item=item, recalculate=payload.recalculate
        )
        return s.with_items(selectors.all_orders().prefetch_related("items").get(pk=order.pk))

    return idempotent(request, s.OrderOut, run, etag=True)


# --- Invoices and documents --------------------------------------------------------------------------------
@router.get("/invoices", response={200: s.InvoiceList, **PROBLEMS}, url_name="invoices")
def list_invoices(request: HttpRequest, params: Query[ListParams], status: str | None = None):
    request.auth.require("invoices")
    return _page(selectors.all_invoices(status=status, updated_since=params.updated_since), params)


@router.get("/invoices/{invoice_id}", response={200: s.InvoiceOut, **PROBLEMS}, url_name="invoice")
def get_invoice(request: HttpRequest, invoice_id: str, response: HttpResponse):
    """One invoice; its ``ETag`` is what ``If-Match`` takes on updates and voiding."""
    request.auth.require("invoices")
    invoice = selectors.all_invoices().get(public_id=invoice_id)
    response["ETag"] = etag_of(invoice)
    return invoice


@router.post("/invoices", response={201: s.InvoiceOut, **WRITE_PROBLEMS}, url_name="invoices_create")
def issue_invoice(request: HttpRequest, payload: s.InvoiceIn):
    """Issue an invoice: it enters the client's history and he is told (``invoice.issued`` webhook)."""
    request.auth.require("invoices", WRITE)
    company = _ref(Company, payload.company, "company")
    contact = _ref(Contact, payload.contact, "contact")
    order = _ref(Order, payload.order, "order")

    def run():
        invoice = billing_actions.issue_invoice(
            actor=request.auth.user,
            company=company,
            contact=contact,
            order=order,
            amount=Decimal(payload.amount),
            currency=payload.currency,
            due_date=payload.due_date,
            issued_on=payload.issued_on,
        )
        return selectors.all_invoices().get(pk=invoice.pk)

    return idempotent(request, s.InvoiceOut, run, etag=True)


def _locked_invoice(request: HttpRequest, invoice_id: str):
    invoice = selectors.all_invoices().select_for_update(of=("self",)).get(public_id=invoice_id)
    check_if_match(request, invoice)
    return invoice


@router.patch(
    "/invoices/{invoice_id}", response={200: s.InvoiceOut, **WRITE_PROBLEMS}, url_name="invoice_update"
)
def update_invoice(request: HttpRequest, invoice_id: str, payload: s.InvoiceUpdate, response: HttpResponse):
    """Change the fields sent (amounts, dates, a payment status). Needs ``If-Match``."""
    request.auth.require("invoices", WRITE)
    changes = payload.dict(exclude_unset=True)
    for field in ("amount", "paid_amount", "partial_minimum"):
        if changes.get(field) is not None:
            changes[field] = Decimal(changes[field])
    _no_nulls(changes, nullable={"due_date", "partial_minimum"})
    with transaction.atomic():
        invoice = _locked_invoice(request, invoice_id)
        billing_actions.update_invoice(actor=request.auth.user, invoice=invoice, **changes)
    invoice = selectors.all_invoices().get(pk=invoice.pk)
    response["ETag"] = etag_of(invoice)
    return invoice


@router.post(
    "/invoices/{invoice_id}/void", response={200: s.InvoiceOut, **WRITE_PROBLEMS}, url_name="invoice_void"
)
def void_invoice(request: HttpRequest, invoice_id: str):
    """Cancel an invoice nothing was paid on. Needs ``If-Match``; voiding twice answers the voided invoice."""
    request.auth.require("invoices", WRITE)
    selectors.all_invoices().get(public_id=invoice_id)  # an unknown id is a 404 before anything else

    def run():
        invoice = _locked_invoice(request, invoice_id)
        billing_actions.void_invoice(actor=request.auth.user, invoice=invoice)
        return selectors.all_invoices().get(pk=invoice.pk)

    return idempotent(request, s.InvoiceOut, run, status=200, etag=True)


@router.get("/documents", response={200: s.DocumentList, **PROBLEMS}, url_name="documents")
def list_documents(request: HttpRequest, params: Query[ListParams]):
    request.auth.require("documents")
    return _page(selectors.all_documents(updated_since=params.updated_since), params)


@router.get("/documents/{document_id}", response={200: s.DocumentOut, **PROBLEMS}, url_name="document")
def get_document(request: HttpRequest, document_id: str):
    request.auth.require("documents")
    return selectors.all_documents().get(public_id=document_id)


@router.post("/documents", response={201: s.DocumentOut, **UPLOAD_PROBLEMS}, url_name="documents_create")
def create_document(request: HttpRequest, payload: Form[s.DocumentIn], file: File[UploadedFile]):
    """Publish a document with its file: ``multipart/form-data`` with the fields below and a ``file`` part.

    The file is checked by size (``KABINET_MAX_UPLOAD_BYTES``) and by its content (PDF, images, office
    documents, text, ZIP), whatever its name says. A ``draft`` stays invisible to the client."""
    request.auth.require("documents", WRITE)
    company = _ref(Company, payload.company, "company")
    contact = _ref(Contact, payload.contact, "contact")
    order = _ref(Order, payload.order, "order")

    def run():
        document = document_actions.issue_uploaded_document(
            actor=request.auth.user,
            upload=file,
            title=payload.title,
            kind=payload.kind,
            company=company,
            contact=contact,
            order=order,
            number=payload.number,
            date=payload.date,
            status=payload.status,
        )
        return selectors.any_document(pk=document.pk)

    return idempotent(request, s.DocumentOut, run)


# --- Signatures --------------------------------------------------------------------------------------------
@router.get("/signatures", response={200: s.SignatureRequestList, **PROBLEMS}, url_name="signatures")
def list_signatures(
    request: HttpRequest,
    params: Query[ListParams],
    status: Literal["pending", "signed", "declined"] | None = None,
):
    """Signature requests, newest first, with their signers and the evidence summary (never a code)."""
    request.auth.require("documents")
    return _page(selectors.all_signature_requests(status=status, updated_since=params.updated_since), params)


@router.get(
    "/documents/{document_id}/signature",
    response={200: s.SignatureRequestOut, **PROBLEMS},
    url_name="document_signature",
)
def get_signature(request: HttpRequest, document_id: str):
    """The document's signature request: status, signers and what the evidence records (no codes, no links)."""
    request.auth.require("documents")
    return selectors.all_signature_requests().get(document__public_id=document_id)


@router.post(
    "/documents/{document_id}/signature",
    response={201: s.SignatureRequestOut, **WRITE_PROBLEMS},
    url_name="document_signature_create",
)
def request_signature(request: HttpRequest, document_id: str, payload: s.SignatureRequestIn):
    """Ask for the client's signature on a published PDF document; the signer is told at once and signs in the
    portal with a one-time code (``document.signed`` webhook when he has)."""
    request.auth.require("documents", WRITE)
    document = selectors.all_documents().get(public_id=document_id)
    signer = _ref(Contact, payload.client_contact, "client_contact")

    def run():
        made = signing_actions.request_signature(
            actor=request.auth.user,
            document=document,
            client_contact=signer,
            any_company_admin=payload.any_company_admin,
            deadline=payload.deadline,
        )
        return selectors.all_signature_requests().get(pk=made.pk)

    return idempotent(request, s.SignatureRequestOut, run)


# --- Tickets -----------------------------------------------------------------------------------------------
@router.get("/tickets", response={200: s.TicketList, **PROBLEMS}, url_name="tickets")
def list_tickets(request: HttpRequest, params: Query[ListParams]):
    request.auth.require("tickets")
    return _page(selectors.all_tickets(updated_since=params.updated_since), params)


@router.post("/tickets", response={201: s.TicketOut, **WRITE_PROBLEMS}, url_name="tickets_create")
def create_ticket(request: HttpRequest, payload: s.TicketIn):
    """Open a ticket for a contact with its first message (``ticket.created`` webhook). By default the message
    is the client's (a web form, a call); with ``from_client: false`` an agent raised it and the client is
    emailed."""
    request.auth.require("tickets", WRITE)
    contact = _ref(Contact, payload.contact, "contact")
    company = _ref(Company, payload.company, "company")

    def run() -> Ticket:
        ticket = ticket_actions.create_ticket(
            actor=request.auth.user,
            subject=payload.subject,
            body=payload.body,
            company=company,
            contact=contact,
            priority=payload.priority,
            source=Ticket.Source.PORTAL if payload.from_client else Ticket.Source.STAFF,
        )
        return selectors.all_tickets().get(pk=ticket.pk)

    return idempotent(request, s.TicketOut, run)


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


@router.post("/messages", response={201: s.MessageOut, **WRITE_PROBLEMS}, url_name="messages_create")
def send_message(request: HttpRequest, payload: s.MessageIn):
    """Write, as the team, into a contact's conversation (in a company's context, or his private one); the
    client sees it in his chat at once and is told as with any staff answer."""
    request.auth.require("messages", WRITE)
    contact = _ref(Contact, payload.contact, "contact")
    company = _ref(Company, payload.company, "company")
    return idempotent(
        request,
        s.MessageOut,
        lambda: messaging_actions.send_staff_message_to_contact(
            actor=request.auth.user, contact=contact, company=company, body=payload.body
        ),
    )


@router.get("/timeline", response={200: s.TimelineList, **PROBLEMS}, url_name="timeline")
def list_timeline(
    request: HttpRequest, params: Query[ListParams], contact: str | None = None, company: str | None = None
):
    """The history, newest first (internal entries included): of one ``contact`` and/or ``company`` if given."""
    request.auth.require("timeline")
    queryset = selectors.all_timeline(
        updated_since=params.updated_since,
        company=_ref(Company, company, "company"),
        contact=_ref(Contact, contact, "contact"),
    )
    return _page(queryset, params)


@router.post("/timeline", response={201: s.TimelineOut, **WRITE_PROBLEMS}, url_name="timeline_create")
def add_note(request: HttpRequest, payload: s.NoteIn):
    """A note in a contact's or a company's history. Staff see it on the client's card; the client only with
    ``client_visible``."""
    request.auth.require("timeline", WRITE)
    contact = _ref(Contact, payload.contact, "contact")
    company = _ref(Company, payload.company, "company")
    return idempotent(
        request,
        s.TimelineOut,
        lambda: crm_actions.add_timeline_note(
            actor=request.auth.user,
            text=payload.text,
            company=company,
            contact=contact,
            client_visible=payload.client_visible,
        ),
    )


# --- Files -------------------------------------------------------------------------------------------------
@router.get("/files", response={200: s.FileList, **PROBLEMS}, url_name="files")
def list_files(
    request: HttpRequest, params: Query[ListParams], contact: str | None = None, company: str | None = None
):
    """Every client's files, both directions, newest first: of one ``contact`` and/or ``company`` if given."""
    request.auth.require("files")
    queryset = selectors.all_files(
        updated_since=params.updated_since,
        company=_ref(Company, company, "company"),
        contact=_ref(Contact, contact, "contact"),
    )
    return _page(queryset, params)


@router.get("/files/{file_id}", response={200: s.FileOut, **PROBLEMS}, url_name="file")
def get_file(request: HttpRequest, file_id: str):
    request.auth.require("files")
    return selectors.all_files().get(public_id=file_id)


@router.get(
    "/files/{file_id}/download", response={**PROBLEMS}, url_name="file_download", openapi_extra=DOWNLOAD
)
def download_file(request: HttpRequest, file_id: str):
    """The file itself, served as every download of the portal is (an attachment, ``nosniff``, a sandboxing
    CSP, never cached)."""
    request.auth.require("files")
    return file_response(selectors.all_files().get(public_id=file_id))


@router.post("/files", response={201: s.FileOut, **UPLOAD_PROBLEMS}, url_name="files_create")
def upload_file(request: HttpRequest, payload: Form[s.FileIn], file: File[UploadedFile]):
    """Put a file into a client's archive (``multipart/form-data``: ``company`` and/or ``contact`` and a
    ``file`` part). Checked by size (``KABINET_MAX_UPLOAD_BYTES``) and by its content, whatever its name says,
    as every upload of the portal."""
    request.auth.require("files", WRITE)
    company = _ref(Company, payload.company, "company")
    contact = _ref(Contact, payload.contact, "contact")

    def run():
        stored = file_actions.upload_client_file(
            actor=request.auth.user, upload=file, company=company, contact=contact
        )
        return selectors.all_files().get(pk=stored.pk)

    return idempotent(request, s.FileOut, run)
