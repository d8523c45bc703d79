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
from kabinet.crm.models import Company, Contact, Membership, Order, Pipeline, Stage, TimelineEntry
from kabinet.documents.models import Document
from kabinet.messaging.models import Message
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


def all_timeline(*, updated_since: Since = None) -> QuerySet[TimelineEntry]:
    """Every timeline entry (internal ones included)."""
    return changed_since(TimelineEntry.objects.all(), updated_since)


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
