"""The "documents and invoices" panel of an order page: both kinds of paper in one query.

Documents and invoices live in two apps; the portal, which sees both, lists them together through a UNION of
the two viewer-scoped selectors, so the order page spends one query on them instead of two.
"""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, DateField, DecimalField, F, Value
from django.http import HttpRequest

from kabinet.billing.models import Invoice
from kabinet.billing.selectors import invoices_visible_to
from kabinet.documents.models import Document
from kabinet.documents.selectors import documents_visible_to

PANEL_ROWS = 30
COLUMNS = (
    "paper",
    "public_id",
    "title",
    "number",
    "kind",
    "status",
    "date",
    "due_date",
    "amount",
    "currency",
    "has_file",
    "created_at",
)


def order_papers(request: HttpRequest, order: Any) -> dict[str, Any] | None:
    """Documents and invoices of ``order`` the viewer may see, newest first (one query), or None if none."""
    documents = (
        documents_visible_to(request.viewer)
        .filter(order_id=order.pk)
        .annotate(
            paper=Value("document", output_field=CharField()),
            due=Value(None, output_field=DateField()),
            sum=Value(None, output_field=DecimalField(max_digits=14, decimal_places=2)),
            money=Value("", output_field=CharField()),
            with_file=F("file_id"),
        )
        .values_list(
            "paper",
            "public_id",
            "title",
            "number",
            "kind",
            "status",
            "date",
            "due",
            "sum",
            "money",
            "with_file",
            "created_at",
        )
        .order_by()  # compound statements take one ORDER BY, after the UNION
    )
    invoices = (
        invoices_visible_to(request.viewer)
        .filter(order_id=order.pk)
        .annotate(
            paper=Value("invoice", output_field=CharField()),
            heading=Value("", output_field=CharField()),
            sort=Value("", output_field=CharField()),
            with_file=F("file_id"),
        )
        .values_list(
            "paper",
            "public_id",
            "heading",
            "number",
            "sort",
            "status",
            "issued_on",
            "due_date",
            "amount",
            "currency",
            "with_file",
            "created_at",
        )
        .order_by()
    )
    rows = list(documents.union(invoices, all=True).order_by("-created_at")[:PANEL_ROWS])
    if not rows:
        return None
    papers = []
    for row in rows:
        item = dict(zip(COLUMNS, row, strict=True))
        if item["paper"] == "invoice":
            invoice = Invoice(
                public_id=item["public_id"],
                number=item["number"],
                status=item["status"],
                issued_on=item["date"],
                due_date=item["due_date"],
                amount=item["amount"],
                currency=item["currency"],
            )
            item.update(
                invoice=invoice, client_status=invoice.client_status, status_label=invoice.client_status_label
            )
        else:
            document = Document(kind=item["kind"], status=item["status"])
            item.update(kind_label=document.get_kind_display(), status_label=document.get_status_display())
        papers.append(item)
    return {"papers": papers}
