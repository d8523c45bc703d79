"""Upload checks: size and real content (sniffed from the bytes, never trusted from the name or browser), and
the name the file is stored and downloaded under.

**The allowed list** (``ALLOWED_EXTENSIONS``): each extension a stored file may end with, tied to the content
types its bytes may be. Documented in docs/security.md; nothing else is ever stored under its own name.

- The real type comes from the bytes: a magic number (PDF, PNG, JPEG, GIF, WebP, ZIP, OLE), else UTF-8 text
  without markup (HTML, SVG, XML or script anywhere in the first 2 KB, also behind a BOM or a comment, is
  refused), else the file is refused.
- An allowed extension whose content types do not include the real type is refused ("does not match").
- Any other extension (``.hta``, ``.exe``, ``.svg``, none...) is replaced by the real type's own extension,
  so PDF bytes named ``run.exe`` are stored and downloaded as ``run.pdf``.
- Names are normalised (``safe_name``): Unicode NFC, bidi controls (U+202E...) and every control or format
  character removed, path separators replaced, trailing dots and spaces trimmed, at most 255 characters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
WEBP = "image/webp"
ZIP = "application/zip"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"
TEXT = "text/plain"
CSV = "text/csv"

# Container formats: the bytes say "ZIP" or "OLE", the allowed extension says which document it is.
_ZIP_DOCUMENTS = (DOCX, XLSX, PPTX, ODT, ODS, ZIP)
_OLE_DOCUMENTS = (DOC, XLS)

ALLOWED_EXTENSIONS: dict[str, tuple[str, ...]] = {
    ".pdf": (PDF,),
    ".png": (PNG,),
    ".jpg": (JPEG,),
    ".jpeg": (JPEG,),
    ".gif": (GIF,),
    ".webp": (WEBP,),
    ".docx": (DOCX,),
    ".xlsx": (XLSX,),
    ".pptx": (PPTX,),
    ".odt": (ODT,),
    ".ods": (ODS,),
    ".zip": (ZIP,),
    ".doc": (DOC,),
    ".xls": (XLS,),
    ".txt": (TEXT,),
    ".csv": (CSV, TEXT),
}
# The extension a file of each type gets when its own extension is not on the list.
EXTENSION_FOR = {
    PDF: ".pdf",
    PNG: ".png",
    JPEG: ".jpg",
    GIF: ".gif",
    WEBP: ".webp",
    ZIP: ".zip",
    TEXT: ".txt",
    CSV: ".csv",
}

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
    (b"PK\x03\x04", ZIP),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", DOC),
)
# Markup a browser could render or run, wherever it stands in the head of a "text" file.
_MARKUP = re.compile(
    rb"<\s*(?:!doctype|!--|\?xml|html|head|body|script|svg|iframe|object|embed|meta|img|a\s|style|link|form)",
    re.I,
)
_BIDI = {"\u061c", "\u200e", "\u200f", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))}


@dataclass(frozen=True)
class CheckedUpload:
    """What an accepted upload really is: its content type and the normalised name to store it under."""

    content_type: str
    name: str


def _extension(name: str) -> str:
    return ("." + name.rsplit(".", 1)[-1].lower()) if "." in name.strip(".") else ""


def sniff_content_type(head: bytes, filename: str) -> str | None:
    """The content type the bytes really are (containers resolved by an allowed extension), or None for a
    kind that is not accepted."""
    ext = _extension(filename)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    for magic, kind in _SIGNATURES:
        if head.startswith(magic):
            family = _ZIP_DOCUMENTS if kind == ZIP else _OLE_DOCUMENTS if kind == DOC else (kind,)
            declared = [t for t in ALLOWED_EXTENSIONS.get(ext, ()) if t in family]
            if declared:
                return declared[0]
            # an OLE file under another name may be an installer (.msi) or anything else: not a document
            return None if kind == DOC else kind
    if b"\x00" in head or _MARKUP.search(head.removeprefix(b"\xef\xbb\xbf")):
        return None  # binary of another kind, or markup disguised as text
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:  # not just a multi-byte character cut at the end of the head
            return None
    return CSV if ext == ".csv" else TEXT


def safe_name(name: str, content_type: str) -> str:
    """The file's name as it is stored and sent back: normalised, and ending with an extension on the list
    that fits ``content_type``."""
    name = unicodedata.normalize("NFC", name or "")
    name = "".join(
        " " if ch in "/\\" else ch
        for ch in name
        if ch not in _BIDI and unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    name = " ".join(name.split()).strip(" .") or "file"
    ext = _extension(name)
    if content_type not in ALLOWED_EXTENSIONS.get(ext, ()):
        stem = (name[: -len(ext)] if ext else name).rstrip(" .") or "file"
        name = stem + EXTENSION_FOR[content_type]
    if len(name) > 255:
        ext = _extension(name)
        name = name[: 255 - len(ext)] + ext
    return name


def inspect_upload(upload: UploadedFile) -> CheckedUpload:
    """Validate one uploaded file: its content type and safe name, or a translated ValidationError."""
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
    name = upload.name or ""
    kind = sniff_content_type(head, name)
    if kind is None:
        raise ValidationError(
            _("This kind of file is not accepted. Send PDF, images, office documents, text or ZIP."),
            code="bad_type",
        )
    listed = ALLOWED_EXTENSIONS.get(_extension(name))
    if listed is not None and kind not in listed:
        raise ValidationError(_("The file's name does not match its content."), code="mismatch")
    return CheckedUpload(content_type=kind, name=safe_name(name, kind))


def check_upload(upload: UploadedFile) -> str:
    """Validate one uploaded file; returns its sniffed content type or raises a translated ValidationError."""
    return inspect_upload(upload).content_type
