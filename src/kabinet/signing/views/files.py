"""Serving signed files: the stored hash is checked on every download (the archive is permanent and must stay
unmodified), and audit logs go out as text attachments."""

from __future__ import annotations

import hashlib
import logging

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render

from kabinet.files.models import ClientFile
from kabinet.files.views import file_response

logger = logging.getLogger(__name__)


def checked_file_response(
    request: HttpRequest, stored: ClientFile, expected: str
) -> FileResponse | HttpResponse:
    digest = hashlib.sha256()
    with stored.file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    if digest.hexdigest() != expected:
        logger.error("signed file %s does not match its recorded SHA-256", stored.public_id)
        return render(request, "signing/damaged.html", status=409)
    return file_response(stored, inline=request.GET.get("inline") == "1")


def text_download(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text.encode(), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
