"""Upload checks: size and real content (sniffed from the bytes, never trusted from the name or browser)."""

from __future__ import annotations

import mimetypes

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# Magic numbers of the kinds of file clients and staff exchange.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
)
_OFFICE_ZIP = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".zip": "application/zip",
}
_OLE = {".doc": "application/msword", ".xls": "application/vnd.ms-excel"}
_TEXT = {".txt": "text/plain", ".csv": "text/csv"}


def sniff_content_type(head: bytes, filename: str) -> str | None:
    """The content type the bytes really are, or None for a kind that is not accepted."""
    ext = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    for magic, kind in _SIGNATURES:
        if head.startswith(magic):
            if kind == "application/zip":
                return _OFFICE_ZIP.get(ext)
            if kind == "application/x-ole-storage":
                return _OLE.get(ext)
            return kind
    if ext in _TEXT:
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError:
            return None
        lowered = text.lstrip().lower()
        if lowered.startswith(("<!doctype", "<html", "<svg", "<?xml", "<script")):
            return None  # markup disguised as text is refused
        return _TEXT[ext]
    return None


def check_upload(upload: UploadedFile) -> str:
    """Validate one uploaded file; returns its sniffed content type or raises a translated ValidationError."""
    limit = settings.KABINET_MAX_UPLOAD_BYTES
    if upload.size is None or upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if upload.size > limit:
        raise ValidationError(
            _("The file is too large (%(size)s). The limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    kind = sniff_content_type(head, upload.name or "")
    if kind is None:
        raise ValidationError(
            _("This kind of file is not accepted. Send PDF, images, office documents, text or ZIP."),
            code="bad_type",
        )
    guessed, _enc = mimetypes.guess_type(upload.name or "")
    if guessed and guessed.split("/")[0] != kind.split("/")[0] and kind not in _OFFICE_ZIP.values():
        raise ValidationError(_("The file's name does not match its content."), code="mismatch")
    return kind
