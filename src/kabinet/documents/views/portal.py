"""The client's documents: the list with kind and status filters, one document, and its file."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kabinet.core.pagination import page_of
from kabinet.core.registry import detail_panels
from kabinet.documents.forms import DocumentFilterForm
from kabinet.documents.models import Document
from kabinet.documents.selectors import document_for_viewer, documents_visible_to
from kabinet.files.views import file_response

DOCUMENTS_PER_PAGE = 20


@login_required
@require_GET
def documents(request: HttpRequest) -> HttpResponse:
    """Contracts, invoices, acts, reconciliation acts...: newest first, filtered by kind and status."""
    if not request.viewer.is_client:
        raise Http404
    form = DocumentFilterForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_bound and form.is_valid() else {}
    queryset = documents_visible_to(request.viewer).select_related("file")
    if cleaned.get("kind"):
        queryset = queryset.filter(kind=cleaned["kind"])
    if cleaned.get("status"):
        queryset = queryset.filter(status=cleaned["status"])
    page = page_of(queryset.order_by("-created_at", "-id"), DOCUMENTS_PER_PAGE, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "documents/list.html",
        {
            "form": form,
            "page": page,
            "documents": page.object_list,
            "filtered": bool(cleaned.get("kind") or cleaned.get("status")),
            "query": query.urlencode(),
        },
    )


@login_required
@require_GET
def detail(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        document = document_for_viewer(request.viewer, public_id)
    except Document.DoesNotExist as exc:
        raise Http404 from exc
    panels = []
    for panel in detail_panels("document"):  # signing's panel (who signs, the sign button, the signed PDF)
        context = panel.context(request, document)
        if context is not None:
            panels.append({"key": panel.key, "template": panel.template, "context": context})
    return render(request, "documents/detail.html", {"document": document, "panels": panels})


@login_required
@require_GET
def file(request: HttpRequest, public_id: str) -> FileResponse:
    """The document's file, checked through the document's selector (``?inline=1`` shows a PDF in place)."""
    try:
        document = document_for_viewer(request.viewer, public_id)
    except Document.DoesNotExist as exc:
        raise Http404 from exc
    if document.file is None:
        raise Http404
    return file_response(document.file, inline=request.GET.get("inline") == "1")
