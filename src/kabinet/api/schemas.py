"""What the API answers: public ids only, amounts as decimal strings, times in ISO 8601 with an offset.

Schemas only shape data. They read attributes the selectors already loaded (``select_related``), so a list
costs the same number of queries for 1 row and for 100.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from ninja import Field, Schema


def _pid(obj: Any, name: str) -> str | None:
    related = getattr(obj, name, None)
    return related.public_id if related is not None else None


class ProblemOut(Schema):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[dict[str, Any]] | None = None


class OwnedOut(Schema):
    """A client-owned object: the public ids of its company and contact, and its times."""

    company: str | None
    contact: str | None
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_company(obj: Any) -> str | None:
        return _pid(obj, "company")

    @staticmethod
    def resolve_contact(obj: Any) -> str | None:
        return _pid(obj, "contact")


class ItemOut(Schema):
    name: str
    quantity: str
    unit: str
    price: str

    @staticmethod
    def resolve_quantity(obj: Any) -> str:
        return str(obj.quantity)

    @staticmethod
    def resolve_price(obj: Any) -> str:
        return str(obj.price)


class StageOut(Schema):
    id: int
    name: str


class OrderOut(OwnedOut):
    object: str = "order"
    id: str = Field(..., alias="public_id")
    number: str
    title: str
    stage: StageOut
    amount: str
    currency: str
    due_date: datetime.date | None
    items: list[ItemOut] | None = Field(None, description="Present with ``expand=items``.")

    @staticmethod
    def resolve_amount(obj: Any) -> str:
        return str(obj.amount)

    @staticmethod
    def resolve_items(obj: Any) -> list[Any] | None:
        # Only when the view expanded them (``with_items``, from a prefetch): never one query per order.
        return getattr(obj, "expanded_items", None)


class InvoiceOut(OwnedOut):
    object: str = "invoice"
    id: str = Field(..., alias="public_id")
    number: str
    status: str = Field(
        ..., description="As the client reads it: ``overdue`` replaces open past the due date."
    )
    amount: str
    paid_amount: str
    currency: str
    issued_on: datetime.date
    due_date: datetime.date | None
    order: str | None
    partial_payment: Literal["default", "allow", "forbid"] = Field(
        "default", description="Staff's partial-payment rule of this invoice; ``default``: the portal's."
    )
    partial_minimum: str | None = Field(
        None, description="The smallest partial payment of this invoice; ``null``: the portal's."
    )

    @staticmethod
    def resolve_status(obj: Any) -> str:
        return obj.client_status

    @staticmethod
    def resolve_partial_minimum(obj: Any) -> str | None:
        return None if obj.partial_minimum is None else str(obj.partial_minimum)

    @staticmethod
    def resolve_amount(obj: Any) -> str:
        return str(obj.amount)

    @staticmethod
    def resolve_paid_amount(obj: Any) -> str:
        return str(obj.paid_amount)

    @staticmethod
    def resolve_order(obj: Any) -> str | None:
        return _pid(obj, "order")


class DocumentOut(OwnedOut):
    object: str = "document"
    id: str = Field(..., alias="public_id")
    kind: str
    title: str
    number: str
    date: datetime.date | None
    status: str
    order: str | None

    @staticmethod
    def resolve_order(obj: Any) -> str | None:
        return _pid(obj, "order")


class TicketOut(OwnedOut):
    object: str = "ticket"
    id: str = Field(..., alias="public_id")
    number: str
    subject: str
    stage: StageOut
    priority: str
    closed_at: datetime.datetime | None


class TicketMessageOut(Schema):
    object: str = "ticket_message"
    id: str = Field(..., alias="public_id")
    body: str
    from_staff: bool
    is_internal: bool
    created_at: datetime.datetime

    @staticmethod
    def resolve_from_staff(obj: Any) -> bool:
        return obj.author_user_id is not None and obj.author_contact_id is None


class MessageOut(Schema):
    object: str = "message"
    id: str = Field(..., alias="public_id")
    conversation: str
    body: str
    from_staff: bool
    created_at: datetime.datetime

    @staticmethod
    def resolve_conversation(obj: Any) -> str:
        return obj.conversation.public_id


class TimelineOut(Schema):
    object: str = "timeline_entry"
    id: str = Field(..., alias="public_id")
    event: str
    text: str
    subject: str | None
    created_at: datetime.datetime

    @staticmethod
    def resolve_subject(obj: Any) -> str | None:
        return obj.subject_public_id or None


class ContactOut(Schema):
    object: str = "contact"
    id: str = Field(..., alias="public_id")
    first_name: str
    middle_name: str
    last_name: str
    position: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


class CompanyOut(Schema):
    object: str = "company"
    id: str = Field(..., alias="public_id")
    name: str
    legal_name: str
    country: str
    inn: str
    kpp: str
    ogrn: str
    nip: str
    regon: str
    vat_number: str
    legal_address: str
    postal_address: str
    email: str
    phone: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


class AddressOut(Schema):
    value: str
    is_primary: bool
    verified: bool = Field(..., description="Proven by the person with a code, or vouched for by staff.")

    @staticmethod
    def resolve_value(obj: Any) -> str:
        return getattr(obj, "email", None) or obj.phone

    @staticmethod
    def resolve_verified(obj: Any) -> bool:
        return obj.verified_at is not None


class ContactDetailOut(ContactOut):
    delivery_address: str
    emails: list[AddressOut]
    phones: list[AddressOut]

    @staticmethod
    def resolve_emails(obj: Any) -> list[Any]:
        return list(obj.emails.all())  # prefetched by the selector

    @staticmethod
    def resolve_phones(obj: Any) -> list[Any]:
        return list(obj.phones.all())


class FileOut(OwnedOut):
    object: str = "file"
    id: str = Field(..., alias="public_id")
    name: str = Field(..., alias="original_name")
    content_type: str
    size: int
    sha256: str
    direction: str = Field(..., description="``in``: from the client; ``out``: to the client.")
    subject: str | None = Field(None, description="Public id of the object the file belongs to, if any.")

    @staticmethod
    def resolve_subject(obj: Any) -> str | None:
        return obj.subject_public_id or None


class MembershipOut(Schema):
    object: str = "membership"
    contact: str
    company: str
    role: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_contact(obj: Any) -> str:
        return obj.contact.public_id

    @staticmethod
    def resolve_company(obj: Any) -> str:
        return obj.company.public_id


class StageDetailOut(Schema):
    id: int
    name: str = Field(..., description="The staff's name of the stage.")
    client_name: str = Field(..., description="What the client reads, in the request's language.")
    client_description: str
    kind: str = Field(..., description="open, won, lost or closed.")
    position: int
    asks_client: bool


class PipelineOut(Schema):
    object: str = "pipeline"
    id: int
    name: str
    kind: str = Field(..., description="order or ticket.")
    is_default: bool
    stages: list[StageDetailOut]

    @staticmethod
    def resolve_stages(obj: Any) -> list[Any]:
        return list(obj.stages.all())  # prefetched by the selector: no query per pipeline


def with_items(orders: Any) -> Any:
    """Attach each order's prefetched items for ``expand=items`` (no query: ``prefetch_related`` ran)."""
    for order in orders if isinstance(orders, list) else [orders]:
        order.expanded_items = list(order.items.all())
    return orders


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """``{"object": "list", "data": [...], "has_more": bool}``: one list schema per resource."""
    return type(
        name,
        (Schema,),
        {"__annotations__": {"object": str, "data": list[item], "has_more": bool}, "object": "list"},
    )


OrderList = page_of(OrderOut, "OrderList")
InvoiceList = page_of(InvoiceOut, "InvoiceList")
DocumentList = page_of(DocumentOut, "DocumentList")
TicketList = page_of(TicketOut, "TicketList")
TicketMessageList = page_of(TicketMessageOut, "TicketMessageList")
MessageList = page_of(MessageOut, "MessageList")
TimelineList = page_of(TimelineOut, "TimelineList")
ContactList = page_of(ContactOut, "ContactList")
CompanyList = page_of(CompanyOut, "CompanyList")


class SignerOut(Schema):
    position: int
    side: str = Field(..., description="``client`` or ``staff`` (the business's countersignature).")
    contact: str | None = Field(None, description="The named client person; none for any company admin.")
    any_company_admin: bool
    status: str = Field(..., description="pending, signed or declined.")
    acted_at: datetime.datetime | None
    decline_reason: str

    @staticmethod
    def resolve_contact(obj: Any) -> str | None:
        return _pid(obj, "contact")


class EvidenceOut(Schema):
    """What the signing evidence records, without the one-time codes, their destinations or the network data."""

    kind: str = Field(..., description="signed or declined.")
    signer_name: str
    role: str
    channel: str = Field(..., description="How the signer was identified: email, sms or totp.")
    occurred_at: datetime.datetime
    statement_version: int


class SignatureRequestOut(OwnedOut):
    object: str = "signature_request"
    id: str = Field(..., alias="public_id")
    document: str
    status: str = Field(..., description="pending, signed or declined.")
    deadline: datetime.date | None
    signature_id: str = Field(..., description="The public id anyone checks at /verify/.")
    original_sha256: str
    result_sha256: str = Field(..., description="SHA-256 of the sealed PDF, once everyone signed.")
    completed_at: datetime.datetime | None
    signers: list[SignerOut]
    evidence: list[EvidenceOut]

    @staticmethod
    def resolve_document(obj: Any) -> str:
        return obj.document.public_id

    @staticmethod
    def resolve_signers(obj: Any) -> list[Any]:
        return list(obj.signers.all())  # prefetched by the selector

    @staticmethod
    def resolve_evidence(obj: Any) -> list[Any]:
        return list(obj.events.all())


PipelineList = page_of(PipelineOut, "PipelineList")
SignatureRequestList = page_of(SignatureRequestOut, "SignatureRequestList")
FileList = page_of(FileOut, "FileList")


# --- Writes ------------------------------------------------------------------------------------------------
class ContactIn(Schema):
    first_name: str = Field(..., min_length=1, max_length=100)
    last_name: str = Field("", max_length=100)
    middle_name: str = Field("", max_length=100)
    emails: list[str] = Field(default_factory=list, max_length=5)
    phones: list[str] = Field(default_factory=list, max_length=5)
    company: str | None = Field(None, description="Public id of a company to make the contact a member of.")


class ItemIn(Schema):
    name: str = Field(..., min_length=1, max_length=250)
    quantity: str = Field("1", pattern=r"^\d{1,9}(\.\d{1,3})?$")
    price: str = Field("0", pattern=r"^\d{1,12}(\.\d{1,2})?$")
    unit: str = Field("шт", max_length=20)


class OrderIn(Schema):
    title: str = Field(..., min_length=1, max_length=250)
    contact: str | None = Field(None, description="Public id of the contact.")
    company: str | None = Field(None, description="Public id of the company.")
    description: str = Field("", max_length=10000)
    items: list[ItemIn] = Field(default_factory=list, max_length=100)


class StageIn(Schema):
    stage: int = Field(..., description="Id of a stage of the order's pipeline.")


class TicketMessageIn(Schema):
    body: str = Field(..., min_length=1, max_length=20000)
    internal: bool = Field(False, description="An internal note, never shown to the client.")


class MembershipIn(Schema):
    company: str = Field(..., description="Public id of the company.")
    role: Literal["member", "admin"] = Field("member", description="``admin``: a company admin.")


class OrderItemIn(ItemIn):
    recalculate: bool = Field(True, description="Set the order's amount to the sum of its items.")


AMOUNT = r"^\d{1,12}(\.\d{1,2})?$"
CURRENCY = r"^[A-Z]{3}$"


class InvoiceIn(Schema):
    amount: str = Field(..., pattern=AMOUNT, description="A decimal string, e.g. ``1250.00``.")
    currency: str = Field("RUB", pattern=CURRENCY)
    company: str | None = Field(None, description="Public id of the company.")
    contact: str | None = Field(None, description="Public id of the contact.")
    order: str | None = Field(None, description="Public id of the order.")
    due_date: datetime.date | None = None
    issued_on: datetime.date | None = Field(None, description="Today when left out.")


class InvoiceUpdate(Schema):
    """Only the fields sent change. Voiding has its own route (``/void``)."""

    amount: str | None = Field(None, pattern=AMOUNT)
    paid_amount: str | None = Field(None, pattern=AMOUNT)
    currency: str | None = Field(None, pattern=CURRENCY)
    due_date: datetime.date | None = None
    issued_on: datetime.date | None = None
    status: Literal["unpaid", "partially_paid", "paid"] | None = None
    partial_payment: Literal["default", "allow", "forbid"] | None = None
    partial_minimum: str | None = Field(None, pattern=AMOUNT, description="``null``: the portal's minimum.")


class DocumentIn(Schema):
    """The fields of a multipart upload (the ``file`` part carries the document's file)."""

    title: str = Field(..., min_length=1, max_length=250)
    kind: Literal["contract", "invoice", "act", "reconciliation", "other"] = "other"
    status: Literal["draft", "issued", "awaiting_signature"] = Field(
        "issued", description="``draft`` stays invisible to the client."
    )
    company: str | None = Field(None, description="Public id of the company.")
    contact: str | None = Field(None, description="Public id of the contact.")
    order: str | None = Field(None, description="Public id of the order.")
    number: str = Field("", max_length=50)
    date: datetime.date | None = None


class MessageIn(Schema):
    contact: str = Field(..., description="Public id of the contact whose conversation this is.")
    company: str | None = Field(
        None, description="Public id of the company context; left out: the contact's private conversation."
    )
    body: str = Field(..., min_length=1, max_length=4000)


class CompanyIn(Schema):
    """Registration numbers are checked by their checksums (INN, KPP, OGRN, NIP, REGON, EU VAT): a wrong one is
    a 422 at its field."""

    name: str = Field(..., min_length=1, max_length=200)
    country: Literal["RU", "PL", "EU", "XX"] = Field(
        "RU", description="``EU``: another EU country; ``XX``: other."
    )
    legal_name: str = Field("", max_length=300)
    inn: str = Field("", max_length=12)
    kpp: str = Field("", max_length=9)
    ogrn: str = Field("", max_length=15)
    nip: str = Field("", max_length=13)
    regon: str = Field("", max_length=14)
    vat_number: str = Field("", max_length=20)
    legal_address: str = Field("", max_length=2000)
    postal_address: str = Field("", max_length=2000)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=30)


class CompanyUpdate(Schema):
    """Only the fields sent change; an empty string clears a detail (``name`` cannot be empty)."""

    name: str | None = Field(None, min_length=1, max_length=200)
    country: Literal["RU", "PL", "EU", "XX"] | None = None
    legal_name: str | None = Field(None, max_length=300)
    inn: str | None = Field(None, max_length=12)
    kpp: str | None = Field(None, max_length=9)
    ogrn: str | None = Field(None, max_length=15)
    nip: str | None = Field(None, max_length=13)
    regon: str | None = Field(None, max_length=14)
    vat_number: str | None = Field(None, max_length=20)
    legal_address: str | None = Field(None, max_length=2000)
    postal_address: str | None = Field(None, max_length=2000)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=30)


class ContactUpdate(Schema):
    """Only the fields sent change. ``emails`` / ``phones`` replace the lists (the first is primary); an address
    kept from before keeps its verification, a new one is unverified until the person proves it with a code."""

    first_name: str | None = Field(None, min_length=1, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    middle_name: str | None = Field(None, max_length=100)
    position: str | None = Field(None, max_length=150)
    delivery_address: str | None = Field(None, max_length=2000)
    emails: list[str] | None = Field(None, max_length=5)
    phones: list[str] | None = Field(None, max_length=5)


class TicketIn(Schema):
    subject: str = Field(..., min_length=1, max_length=250)
    body: str = Field(..., min_length=1, max_length=20000, description="The first message.")
    contact: str = Field(..., description="Public id of the contact the ticket is for.")
    company: str | None = Field(None, description="Public id of a company the contact is a member of.")
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    from_client: bool = Field(
        True,
        description="The first message is the client's words (a web form, a call); ``false``: an agent raised "
        "the ticket for him and the client is emailed.",
    )


class NoteIn(Schema):
    text: str = Field(..., min_length=1, max_length=4000)
    contact: str | None = Field(None, description="Public id of the contact whose history this is.")
    company: str | None = Field(None, description="Public id of the company whose history this is.")
    client_visible: bool = Field(False, description="Show it in the client's history too.")


class FileIn(Schema):
    """The fields of a multipart upload (the ``file`` part carries the file)."""

    company: str | None = Field(None, description="Public id of the company.")
    contact: str | None = Field(None, description="Public id of the contact.")


class SignatureRequestIn(Schema):
    """Who signs: a named person of the document's company (or the private person it belongs to), or
    ``any_company_admin``. A staff countersignature is set in the back office."""

    client_contact: str | None = Field(None, description="Public id of the contact who signs.")
    any_company_admin: bool = Field(False, description="Any admin of the document's company may sign.")
    deadline: datetime.date | None = None


class ClientTicketIn(Schema):
    subject: str = Field(..., min_length=1, max_length=250)
    body: str = Field(..., min_length=1, max_length=20000, description="The first message.")


class ClientMessageIn(Schema):
    """The text field of a multipart message (each ``attachments`` part is a file)."""

    body: str = Field("", max_length=4000, description="May be empty when files are attached.")


class ProfileUpdate(ContactUpdate):
    """What the portal's "My data" page lets a client change. Only the fields sent change; ``emails`` and
    ``phones`` replace the lists (the first is primary). A new address stays unverified, signing nobody in,
    until the client confirms it with a code on that page."""


class DecisionIn(Schema):
    decision: Literal["confirm", "decline"]
    comment: str = Field("", max_length=2000)


class NotificationsReadIn(Schema):
    notifications: list[str] | None = Field(
        None, max_length=100, description="Public ids of notices; left out: every unread notice."
    )


class NotificationsReadOut(Schema):
    object: str = "notifications_read"
    changed: int = Field(..., description="How many notices were unread and are read now.")
