"""Documents, invoices and history for synthetic clients (``kabinet seed --papers``), so the portal pages a
benchmark drives — documents, history, the dashboard's cards — have something to show at every scale.

Works on the contacts created after ``after_contact_id`` (the ones ``seed`` has just added), in batches, each
batch one transaction, with ``bulk_create``: a million orders get their history in minutes, not hours.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from kabinet.billing.models import Invoice
from kabinet.core.public_ids import new_public_id
from kabinet.core.sequences import reserve_block
from kabinet.crm.models import Contact, Membership, Order, TimelineEntry
from kabinet.documents.models import Document


@dataclass(frozen=True)
class PapersResult:
    documents: int
    invoices: int
    history: int


def seed_papers(
    *,
    after_contact_id: int,
    documents_per_client: int = 2,
    invoices_per_client: int = 2,
    batch_contacts: int = 2000,
    rng_seed: int = 2,
    progress: Callable[[int], None] | None = None,
) -> PapersResult:
    """Give every contact with ``id > after_contact_id`` documents (one awaiting his signature), invoices (one
    unpaid, some overdue) and a history entry for each of his orders, documents and invoices."""
    rng = random.Random(rng_seed)
    today = timezone.localdate()
    order_type = ContentType.objects.get_for_model(Order)
    document_type = ContentType.objects.get_for_model(Document)
    invoice_type = ContentType.objects.get_for_model(Invoice)
    made = {"documents": 0, "invoices": 0, "history": 0}
    done = 0
    last = after_contact_id
    while True:
        contacts = list(
            Contact.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_contacts]
        )
        if not contacts:
            break
        last = contacts[-1]
        with transaction.atomic():
            company_of = dict(
                Membership.objects.filter(contact_id__in=contacts).values_list("contact_id", "company_id")
            )
            orders = list(
                Order.objects.filter(contact_id__in=contacts).values_list(
                    "pk", "public_id", "number", "title", "contact_id", "company_id", "amount"
                )
            )
            first_invoice = reserve_block("invoice", len(contacts) * invoices_per_client)
            documents, invoices, history = [], [], []
            orders_of: dict[int, list[tuple]] = {}
            for row in orders:
                orders_of.setdefault(row[4], []).append(row)
                history.append(
                    TimelineEntry(
                        public_id=new_public_id(),
                        company_id=row[5],
                        contact_id=row[4],
                        kind="order",
                        event="order.created",
                        subject_type=order_type,
                        subject_id=row[0],
                        subject_public_id=row[1],
                        data={"number": row[2], "title": row[3]},
                    )
                )
            number = first_invoice
            for contact_id in contacts:
                company_id = company_of.get(contact_id)
                mine = orders_of.get(contact_id, [])
                for i in range(documents_per_client):
                    documents.append(
                        Document(
                            public_id=new_public_id(),
                            company_id=company_id,
                            contact_id=contact_id,
                            order_id=mine[i][0] if i < len(mine) else None,
                            kind=Document.Kind.ACT if i else Document.Kind.CONTRACT,
                            title=f"Документ {contact_id}-{i + 1}",
                            number=f"{contact_id}/{i + 1}",
                            date=today - datetime.timedelta(days=rng.randint(0, 300)),
                            status=Document.Status.AWAITING_SIGNATURE if i == 0 else Document.Status.ISSUED,
                        )
                    )
                for i in range(invoices_per_client):
                    amount = Decimal(rng.randint(1_000, 200_000))
                    unpaid = i == 0
                    invoices.append(
                        Invoice(
                            public_id=new_public_id(),
                            number=f"СЧ-{number:07d}",
                            company_id=company_id,
                            contact_id=contact_id,
                            order_id=mine[i][0] if i < len(mine) else None,
                            amount=amount,
                            paid_amount=Decimal("0") if unpaid else amount,
                            currency="RUB",
                            issued_on=today - datetime.timedelta(days=rng.randint(0, 60)),
                            due_date=today + datetime.timedelta(days=rng.randint(-10, 20)),
                            status=Invoice.Status.UNPAID if unpaid else Invoice.Status.PAID,
                        )
                    )
                    number += 1
            Document.objects.bulk_create(documents, batch_size=2000)
            Invoice.objects.bulk_create(invoices, batch_size=2000)
            for document in documents:
                history.append(
                    TimelineEntry(
                        public_id=new_public_id(),
                        company_id=document.company_id,
                        contact_id=document.contact_id,
                        kind="document",
                        event="document.awaiting_signature"
                        if document.status == Document.Status.AWAITING_SIGNATURE
                        else "document.issued",
                        subject_type=document_type,
                        subject_id=document.pk,
                        subject_public_id=document.public_id,
                        data={"title": document.title},
                    )
                )
            for invoice in invoices:
                history.append(
                    TimelineEntry(
                        public_id=new_public_id(),
                        company_id=invoice.company_id,
                        contact_id=invoice.contact_id,
                        kind="invoice",
                        event="invoice.issued",
                        subject_type=invoice_type,
                        subject_id=invoice.pk,
                        subject_public_id=invoice.public_id,
                        data={"number": invoice.number, "amount": str(invoice.amount), "currency": "RUB"},
                    )
                )
            TimelineEntry.objects.bulk_create(history, batch_size=2000)
            made["documents"] += len(documents)
            made["invoices"] += len(invoices)
            made["history"] += len(history)
        done += len(contacts)
        if progress:
            progress(done)
    return PapersResult(**made)
