"""Downloads (the only way a stored file leaves the server, always through an access check) and the client's
file archive: both directions, search, upload."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kabinet.core.pagination import page_of
from kabinet.core.registry import object_url
from kabinet.core.search import search_contains
from kabinet.crm.models import Company, Contact, Order
from kabinet.crm.selectors import order_for_viewer
from kabinet.files import actions
from kabinet.files.forms import FileFilterForm, UploadForm
from kabinet.files.models import ClientFile
from kabinet.files.selectors import file_for_viewer, files_visible_to

FILES_PER_PAGE = 25


def file_response(stored: ClientFile, *, inline: bool = False) -> FileResponse:
    """Serve a stored file: attachment by default, inline only for PDFs; never sniffed by the browser.

    A PDF shown inline gets no CSP ``sandbox``: browsers refuse to start their PDF viewer in a sandboxed
    document. Its content was sniffed as PDF on upload and it may not be framed.
    """
    as_inline = inline and stored.content_type == "application/pdf"
    try:
        content = stored.file.open("rb")
    except FileNotFoundError as missing:  # the row outlived its bytes (see files/sweep.py): not a 500
        raise Http404 from missing
    response = FileResponse(
        content,
        as_attachment=not as_inline,
        filename=stored.original_name,
        content_type=stored.content_type,
    )
    return _harden(response, as_inline)


def pdf_response(data: bytes, *, filename: str, inline: bool = False) -> FileResponse:
    """Serve a PDF made on the fly (a stored invoice PDF with the payment slip added, say) with the same
    headers as a stored file."""
    response = FileResponse(
        io.BytesIO(data), as_attachment=not inline, filename=filename, content_type="application/pdf"
    )
    return _harden(response, inline)


def _harden(response: FileResponse, as_inline: bool) -> FileResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = (
        "default-src 'none'; object-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'"
        if as_inline
        else "default-src 'none'; sandbox"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def staff_download(request: HttpRequest, public_id: str) -> FileResponse:
    """Any stored file, for staff. Everyone else gets 404, like every route that is not his (not the
    back-office login, which would tell a client the route exists)."""
    if not (request.user.is_staff and request.user.is_active):
        raise Http404
    try:
        stored = ClientFile.objects.get(public_id=public_id)
    except ClientFile.DoesNotExist as exc:
        raise Http404 from exc
    return file_response(stored)


@login_required
@require_GET
def download(request: HttpRequest, public_id: str) -> FileResponse:
    """A file of the archive, for whoever may see it (``?inline=1`` shows a PDF in the browser)."""
    try:
        stored = file_for_viewer(request.viewer, public_id)
    except ClientFile.DoesNotExist as exc:
        raise Http404 from exc
    return file_response(stored, inline=request.GET.get("inline") == "1")


def _upload(request: HttpRequest, form: UploadForm) -> HttpResponse | None:
    """Store a valid upload for the viewer (on an order of his, if ``about`` names one); None on error."""
    viewer = request.viewer
    about = form.cleaned_data.get("about") or ""
    order = None
    if about:
        try:
            order = order_for_viewer(viewer, about)
        except Order.DoesNotExist:
            form.add_error(None, _("This order is not available."))
            return None
    if order is not None:
        company, contact = order.company, order.contact
    else:
        company = (
            Company.objects.filter(pk=viewer.active_company_id).first() if viewer.active_company_id else None
        )
        contact = Contact.objects.get(pk=viewer.contact_id)
    try:
        stored = actions.store_file(
            actor=request.user,
            upload=form.cleaned_data["upload"],
            company=company,
            contact=contact,
            direction=ClientFile.Direction.FROM_CLIENT,
            subject=order,
            error_field="upload",
        )
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return None
    messages.success(request, _("“%(name)s” is sent. Thank you!") % {"name": stored.original_name})
    target = reverse("crm:order", args=[order.public_id]) if order is not None else reverse("files:archive")
    return HttpResponseRedirect(target)


@login_required
@require_http_methods(["GET", "POST"])
def archive(request: HttpRequest) -> HttpResponse:
    """Every file exchanged with the company, both ways, with search; the client sends files from here."""
    viewer = request.viewer
    if not viewer.is_client:
        raise Http404
    status = 200
    if request.method == "POST":
        upload_form = UploadForm(request.POST, request.FILES)
        if upload_form.is_valid():
            done = _upload(request, upload_form)
            if done is not None:
                return done
        status = 400
    else:
        upload_form = UploadForm(initial={"about": request.GET.get("about", "")[:22]})
    filters = FileFilterForm(request.GET or None)
    cleaned = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    queryset = files_visible_to(viewer).select_related("subject_type").defer("sha256")
    if cleaned.get("q"):
        queryset = search_contains(queryset, "original_name", cleaned["q"].strip())
    if cleaned.get("direction"):
        queryset = queryset.filter(direction=cleaned["direction"])
    if cleaned.get("about"):
        queryset = queryset.filter(subject_public_id=cleaned["about"])
    page = page_of(queryset.order_by("-created_at", "-id"), FILES_PER_PAGE, request.GET.get("page"))
    rows = []
    for stored in page.object_list:
        label = ""
        if stored.subject_type is not None:
            model = stored.subject_type.model_class()
            kind = model._meta.verbose_name if model is not None else ""
            label = f"{str(kind).capitalize()}: {stored.subject_label}" if kind else stored.subject_label
        rows.append(
            {
                "file": stored,
                "subject_label": label,
                "subject_url": object_url(
                    f"{stored.subject_type.app_label}.{stored.subject_type.model}"
                    if stored.subject_type
                    else "",
                    stored.subject_public_id,
                ),
            }
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "files/archive.html",
        {
            "filters": filters,
            "upload_form": upload_form,
            "page": page,
            "rows": rows,
            "filtered": bool(cleaned.get("q") or cleaned.get("direction") or cleaned.get("about")),
            "query": query.urlencode(),
        },
        status=status,
    )
