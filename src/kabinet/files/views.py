"""Downloads: the only way a stored file leaves the server, always through an access check."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import FileResponse, Http404, HttpRequest

from kabinet.files.models import ClientFile


def file_response(stored: ClientFile, *, inline: bool = False) -> FileResponse:
    """Serve a stored file: attachment by default, inline only for PDFs; never sniffed by the browser."""
    as_inline = inline and stored.content_type == "application/pdf"
    response = FileResponse(
        stored.file.open("rb"),
        as_attachment=not as_inline,
        filename=stored.original_name,
        content_type=stored.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@staff_member_required
def staff_download(request: HttpRequest, public_id: str) -> FileResponse:
    try:
        stored = ClientFile.objects.get(public_id=public_id)
    except ClientFile.DoesNotExist as exc:
        raise Http404 from exc
    return file_response(stored)
