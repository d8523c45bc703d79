"""The integrator's reads: every client's rows, for a staff-issued key, with the portal selectors' filters.

An integrator key is the back office in machine form, so it sees what staff see (ticket notes included,
drafts of documents excluded as in the portal). Clients never reach these: the client API reads through the
viewer-scoped selectors of each app.
"""

from __future__ import annotations

import datetime

from django.db.models import Prefetch, QuerySet

from kabinet.billing.models import Invoice
from kabinet.billing.selectors import status_filter
from kabinet.core.sync import changed_since
from kabinet.crm.models import (
    Company,
    Contact,
    ContactEmail,
    ContactPhone,
    Membership,
    Order,
    Pipeline,
    Stage,
    TimelineEntry,
)
from kabinet.documents.models import Document
from kabinet.files.models import ClientFile
from kabinet.messaging.models import Message
from kabinet.signing.models import SignatureRequest, Signer, SigningEvent
from kabinet.tickets.models import Ticket, TicketMessage

Since = datetime.datetime | None


def all_orders(*, updated_since: Since = None) -> QuerySet[Order]:
    """Every order, with what the API shows of it in the same query."""
    return changed_since(Order.objects.all(), updated_since).select_related("stage", "company", "contact")


def all_invoices(*, status: str | None = None, updated_since: Since = None) -> QuerySet[Invoice]:
    """Every invoice; ``status`` as a client reads it (``overdue`` included)."""
    queryset = changed_since(Invoice.objects.all(), updated_since).select_related(
        "order", "company", "contact"
    )
    condition = status_filter(status) if status else None
    return queryset.filter(condition) if condition is not None else queryset


def all_documents(*, updated_since: Since = None) -> QuerySet[Document]:
    """Every published document (drafts stay in the back office)."""
    return changed_since(
        Document.objects.exclude(status=Document.Status.DRAFT), updated_since
    ).select_related("order", "company", "contact")


def any_document(*, pk: int) -> Document:
    """One document, a draft too (what a write just created, answered to its writer)."""
    return Document.objects.select_related("order", "company", "contact").get(pk=pk)


def all_tickets(*, updated_since: Since = None) -> QuerySet[Ticket]:
    """Every ticket."""
    return changed_since(Ticket.objects.all(), updated_since).select_related("stage", "company", "contact")


def ticket_thread(ticket: Ticket) -> QuerySet[TicketMessage]:
    """A ticket's whole conversation, internal notes included."""
    return TicketMessage.objects.filter(ticket=ticket)


def all_messages(*, updated_since: Since = None) -> QuerySet[Message]:
    """Every chat message."""
    return changed_since(Message.objects.all(), updated_since).select_related("conversation")


def all_timeline(
    *, updated_since: Since = None, company: Company | None = None, contact: Contact | None = None
) -> QuerySet[TimelineEntry]:
    """Every timeline entry (internal ones included), of one company and/or one contact when given."""
    queryset = changed_since(TimelineEntry.objects.all(), updated_since)
    if company is not None:
        queryset = queryset.filter(company=company)
    if contact is not None:
        queryset = queryset.filter(contact=contact)
    return queryset


def all_files(
    *, updated_since: Since = None, company: Company | None = None, contact: Contact | None = None
) -> QuerySet[ClientFile]:
    """Every stored file, both directions (what the staff download serves), of a company/contact when given."""
    queryset = changed_since(ClientFile.objects.all(), updated_since).select_related("company", "contact")
    if company is not None:
        queryset = queryset.filter(company=company)
    if contact is not None:
        queryset = queryset.filter(contact=contact)
    return queryset


def contact_details() -> QuerySet[Contact]:
    """Contacts with their emails and phones, primary first (two more queries, whatever the number of rows)."""
    return Contact.objects.prefetch_related(
        Prefetch("emails", queryset=ContactEmail.objects.order_by("-is_primary", "id")),
        Prefetch("phones", queryset=ContactPhone.objects.order_by("-is_primary", "id")),
    )


def all_contacts(*, updated_since: Since = None) -> QuerySet[Contact]:
    """Every contact."""
    return changed_since(Contact.objects.all(), updated_since)


def all_companies(*, updated_since: Since = None) -> QuerySet[Company]:
    """Every company."""
    return changed_since(Company.objects.all(), updated_since)


def all_pipelines(*, kinds: list[str]) -> QuerySet[Pipeline]:
    """The pipelines of ``kinds`` (``order``, ``ticket``) with their stages in order: two queries in all."""
    return Pipeline.objects.filter(kind__in=kinds).prefetch_related(
        Prefetch("stages", queryset=Stage.objects.order_by("position", "id"))
    )


def membership_of(*, contact: Contact, company_public_id: str) -> Membership:
    """The contact's membership in a company, by the company's public id (``DoesNotExist``: a 404)."""
    return Membership.objects.select_related("contact", "company").get(
        contact=contact, company__public_id=company_public_id
    )


def all_signature_requests(
    *, updated_since: Since = None, status: str | None = None
) -> QuerySet[SignatureRequest]:
    """Every signature request of the portal's business (an installation is one business: its keys see its
    documents and no other), with signers and evidence in two more queries, whatever the number of rows."""
    queryset = changed_since(SignatureRequest.objects.all(), updated_since)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.select_related("document", "company", "contact").prefetch_related(
        Prefetch("signers", queryset=Signer.objects.select_related("contact").order_by("position")),
        Prefetch("events", queryset=SigningEvent.objects.order_by("occurred_at", "id")),
    )


def editable_details(contact: Contact) -> dict:
    """The contact's details as ``update_contact_details`` takes them (a PATCH changes only what it sends);
    the addresses from the prefetch of ``contact_details``."""
    details = {
        field: getattr(contact, field)
        for field in ("first_name", "last_name", "middle_name", "position", "delivery_address")
    }
    details["emails"] = [row.email for row in contact.emails.all()]
    details["phones"] = [row.phone for row in contact.phones.all()]
    return details
