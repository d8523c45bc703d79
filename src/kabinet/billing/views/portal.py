"""The client's invoices: the list with its status filter, one invoice, its PDF, and "the last invoice"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kabinet.billing.forms import InvoiceFilterForm
from kabinet.billing.models import Invoice
from kabinet.billing.selectors import invoice_for_viewer, invoices_visible_to, latest_invoice_for_viewer
from kabinet.core.pagination import page_of
from kabinet.core.registry import detail_panels, pdf_renditions
from kabinet.files.views import file_response, pdf_response

INVOICES_PER_PAGE = 20


@login_required
@require_GET
def invoices(request: HttpRequest) -> HttpResponse:
    if not request.viewer.is_client:
        raise Http404
    form = InvoiceFilterForm(request.GET or None)
    status = form.cleaned_data.get("status", "") if form.is_bound and form.is_valid() else ""
    queryset = invoices_visible_to(request.viewer, status=status).select_related("order")
    queryset = queryset.order_by("-issued_on", "-created_at", "-id").only(
        "public_id",
        "number",
        "amount",
        "paid_amount",
        "currency",
        "issued_on",
        "due_date",
        "status",
        "file_id",
        "created_at",
        "order__public_id",
        "order__number",
    )
    page = page_of(queryset, INVOICES_PER_PAGE, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "billing/list.html",
        {
            "form": form,
            "page": page,
            "invoices": page.object_list,
            "filtered": bool(status),
            "query": query.urlencode(),
        },
    )


@login_required
@require_GET
def detail(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        invoice = invoice_for_viewer(request.viewer, public_id)
    except Invoice.DoesNotExist as exc:
        raise Http404 from exc
    panels = []  # what other apps add (payments: the pay button, the QR code, the payments made)
    for panel in detail_panels("invoice"):
        context = panel.context(request, invoice)
        if context is not None:
            panels.append({"key": panel.key, "template": panel.template, "context": context})
    return render(
        request, "billing/detail.html", {"invoice": invoice, "panels": panels, "has_pdf": has_pdf(invoice)}
    )


@login_required
@require_GET
def file(request: HttpRequest, public_id: str) -> FileResponse:
    """The invoice PDF, checked through the invoice's selector (``?inline=1`` shows it in the browser)."""
    try:
        invoice = invoice_for_viewer(request.viewer, public_id)
    except Invoice.DoesNotExist as exc:
        raise Http404 from exc
    return _pdf(invoice, inline=request.GET.get("inline") == "1")


def _original(invoice: Invoice) -> bytes | None:
    if invoice.file is None:
        return None
    try:
        with invoice.file.file.open("rb") as content:
            return content.read()
    except FileNotFoundError:  # the row outlived its bytes: served as no PDF at all
        return None


def has_pdf(invoice: Invoice) -> bool:
    """Whether the invoice has a PDF to open: its stored file, or one another app makes (no query)."""
    return invoice.file_id is not None or any(r.available(invoice) for r in pdf_renditions("invoice"))


def rendered_pdf(invoice: Invoice) -> bytes | None:
    """The PDF other apps make of this invoice (payments adds the payment slip while there is something to
    pay by transfer), or None: then the stored file is served as it is."""
    for rendition in pdf_renditions("invoice"):
        data = rendition.render(invoice, lambda: _original(invoice))
        if data is not None:
            return data
    return None


def _pdf(invoice: Invoice, *, inline: bool = False) -> FileResponse:
    data = rendered_pdf(invoice)
    if data is not None:
        name = invoice.file.original_name if invoice.file is not None else f"{invoice.number}.pdf"
        return pdf_response(data, filename=name, inline=inline)
    if invoice.file is None:
        raise Http404
    return file_response(invoice.file, inline=inline)


@login_required
@require_GET
def latest(request: HttpRequest) -> HttpResponse:
    """The quick action "Download the last invoice" (the oldest unpaid one, else the newest): its PDF, else its
    page, else the (empty) list."""
    if not request.viewer.is_client:
        raise Http404
    invoice = latest_invoice_for_viewer(request.viewer)
    if invoice is None:
        messages.info(request, _("You have no invoices yet."))
        return HttpResponseRedirect(reverse("billing:invoices"))
    if not has_pdf(invoice):
        return HttpResponseRedirect(reverse("billing:invoice", args=[invoice.public_id]))
    return _pdf(invoice)
