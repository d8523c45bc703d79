"""The CRM's invoices (Bitrix24 smart invoices, ``entityTypeId`` 31) → Kabinet invoices, beside the deals.

Same rules as :mod:`kabinet.sync.engine`: incremental by the connection's ``invoice_cursor``, one transaction
per page, idempotent by the invoice's id (``Link`` of kind ``invoice`` with the digest of what was applied),
writes only through the ``billing`` and ``payments`` actions. The mapping lives in the same tables as the
deals': an invoice category is a ``PipelineMap`` whose ``crm_id`` is ``invoice:<id>`` (its stages'
``crm_pipeline_id`` too), with no Kabinet pipeline; staff tick **the paid stage** (``StageMap.marks_paid``)
and may tick *hides* for stages clients must not see (drafts). An invoice belongs to the order of its deal
(``parentId2``) when that deal is synced, and to the deal's client; else to its own contact or company.

- new, at a shown stage → ``billing.actions.issue_invoice`` (the client is told, as for any invoice);
- amount, currency or due date changed in the CRM → ``billing.actions.update_invoice`` (while unpaid);
- at the paid stage → the outstanding amount is recorded through ``payments.actions.record_transfer`` with
  the reference ``crm:<connection>:<invoice id>`` (a second read records nothing), so the ledger, the
  history, the notice and the order's paid stage follow as for a transfer staff record;
- at a ``failure`` stage (Bitrix "not paid") an unpaid invoice is voided (``void_invoice``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kabinet.billing import actions as billing
from kabinet.billing.models import Invoice
from kabinet.core.providers.crm import FAILURE, CrmError, CrmInvoice
from kabinet.crm.models import Order
from kabinet.sync.engine import (
    CREATED,
    MAX_PAGES_PER_RUN,
    SKIPPED,
    UNCHANGED,
    UPDATED,
    Context,
    count,
    digest,
    finish,
    link,
    linked,
    open_conflict,
    provider_for,
    resolve_company,
    resolve_contact,
)
from kabinet.sync.models import Connection, Link, Run

PREFIX = "invoice:"


def pipeline_key(crm_category_id: str) -> str:
    """The ``PipelineMap.crm_id`` of a CRM invoice category (kept apart from the deal pipelines' ids)."""
    return f"{PREFIX}{crm_category_id}"


def invoice_digest(context: Context, crm_invoice: CrmInvoice) -> str:
    stage_map = context.stages.get((pipeline_key(crm_invoice.pipeline_id), crm_invoice.stage_id))
    return digest(
        {
            "amount": str(crm_invoice.amount),
            "currency": crm_invoice.currency,
            "due": crm_invoice.due_on.isoformat() if crm_invoice.due_on else "",
            "stage": crm_invoice.stage_id,
            "paid": getattr(stage_map, "marks_paid", None),
            "hides": getattr(stage_map, "hides", None),
            "deal": crm_invoice.deal_id,
            "contact": crm_invoice.contact_id,
            "company": crm_invoice.company_id,
        }
    )


def conflict(context: Context, crm_invoice: CrmInvoice, reason: str) -> str:
    title = crm_invoice.title or crm_invoice.number or crm_invoice.id
    open_conflict(context.connection, Link.Kind.INVOICE, crm_invoice.id, f"{title}: {reason}", [])
    return SKIPPED


def apply_invoice(context: Context, crm_invoice: CrmInvoice) -> str:
    """Create or update the Kabinet invoice of one CRM invoice; answers what happened. Inside a transaction."""
    from kabinet.payments import actions as payments

    connection = context.connection
    key = pipeline_key(crm_invoice.pipeline_id)
    row = linked(connection, Link.Kind.INVOICE, crm_invoice.id)
    value_digest = invoice_digest(context, crm_invoice)
    if row is not None and row.digest == value_digest and not row.deleted_in_crm:
        return UNCHANGED
    stage_map = context.stages.get((key, crm_invoice.stage_id))
    if stage_map is None:
        return conflict(context, crm_invoice, f"CRM invoice stage {crm_invoice.stage_id} is not loaded")
    invoice = Invoice.objects.filter(pk=row.object_id).first() if row else None
    if invoice is None and (stage_map.hides or stage_map.semantics == FAILURE):
        return SKIPPED  # a draft clients must not see, or one cancelled before Kabinet saw it: never issued
    if crm_invoice.amount <= 0:
        return conflict(context, crm_invoice, "the invoice has no amount")
    outcome = UNCHANGED
    if invoice is None:
        order = None
        if crm_invoice.deal_id:
            deal = linked(connection, Link.Kind.DEAL, crm_invoice.deal_id)
            order = Order.objects.filter(pk=deal.object_id).first() if deal else None
        if order is not None:
            company, contact = order.company, order.contact
        else:
            contact = resolve_contact(context, crm_invoice.contact_id)
            company = resolve_company(context, crm_invoice.company_id)
        if company is None and contact is None:
            return conflict(context, crm_invoice, "the invoice has no client")
        invoice = billing.issue_invoice(
            actor=None,
            company=company,
            contact=contact,
            amount=crm_invoice.amount,
            currency=crm_invoice.currency[:3] or "RUB",
            order=order,
            due_date=crm_invoice.due_on,
            issued_on=crm_invoice.issued_on,
        )
        outcome = CREATED
    elif invoice.status == Invoice.Status.UNPAID:
        changes: dict[str, Any] = {}
        if invoice.amount != crm_invoice.amount:
            changes["amount"] = crm_invoice.amount
        if invoice.currency != crm_invoice.currency[:3]:
            changes["currency"] = crm_invoice.currency[:3]
        if invoice.due_date != crm_invoice.due_on:
            changes["due_date"] = crm_invoice.due_on
        if changes:
            invoice = billing.update_invoice(actor=None, invoice=invoice, **changes)
            outcome = UPDATED
    if stage_map.marks_paid and invoice.status in (Invoice.Status.UNPAID, Invoice.Status.PARTIALLY_PAID):
        payments.record_transfer(
            actor=None,
            invoice=invoice,
            amount=invoice.amount - invoice.paid_amount,
            reference=f"crm:{connection.public_id}:{crm_invoice.id}",
        )
        outcome = CREATED if outcome == CREATED else UPDATED
    elif stage_map.semantics == FAILURE and invoice.status == Invoice.Status.UNPAID:
        billing.void_invoice(actor=None, invoice=invoice)
        outcome = CREATED if outcome == CREATED else UPDATED
    link(connection, Link.Kind.INVOICE, crm_invoice.id, invoice.pk, value_digest)
    return outcome


def apply_safely(context: Context, crm_invoice: CrmInvoice) -> str:
    """``apply_invoice`` in a savepoint: a value Kabinet refuses goes to the review list, the page goes on."""
    from kabinet.payments.actions import PaymentRefused

    try:
        with transaction.atomic():
            return apply_invoice(context, crm_invoice)
    except ValidationError as error:
        return conflict(context, crm_invoice, "; ".join(error.messages))
    except PaymentRefused as error:
        return conflict(context, crm_invoice, str(error))


def pull_invoices(
    connection: Connection, *, sleep: Any = None, now: datetime.datetime | None = None
) -> Run | None:
    """One pull of the invoices changed since ``invoice_cursor``; ``None`` (no run, no call) for a CRM
    without invoices or a connection whose invoice categories were never loaded into the mapping.

    Each page is applied in one transaction with the cursor of what it applied; a killed pull starts again
    from the last page's newest change, and the digest makes what it reads twice a no-op."""
    now = now or timezone.now()
    provider = provider_for(connection, sleep=sleep)
    if (
        not provider.supports_invoices
        or not connection.pipeline_maps.filter(crm_id__startswith=PREFIX).exists()
    ):
        return None
    run = Run.objects.create(connection=connection, kind=Run.Kind.INVOICES, started_at=now)
    try:
        context = Context.load(connection, provider)
        since, token = connection.invoice_cursor, ""
        newest = since
        for _number in range(MAX_PAGES_PER_RUN):
            page = provider.invoices(modified_since=since, page=token)
            with transaction.atomic():
                for crm_invoice in page.invoices:
                    count(run, apply_safely(context, crm_invoice))
                    if newest is None or crm_invoice.modified_at > newest:
                        newest = crm_invoice.modified_at
                run.pages += 1
                Connection.objects.filter(pk=connection.pk).update(invoice_cursor=newest)
                run.save()
            token = page.next
            if not token:
                break
    except CrmError as error:
        return finish(connection, run, error=error, now=now)
    run.status, run.finished_at = Run.Status.OK, timezone.now()
    run.save()
    return run
