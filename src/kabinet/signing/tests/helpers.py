"""Test helpers: a published PDF document and its signature request, built through the actions."""

from __future__ import annotations

import datetime
import hashlib

from allauth.account.models import EmailAddress

from kabinet.demo.pdf import simple_pdf
from kabinet.documents.models import Document
from kabinet.files.actions import store_bytes
from kabinet.signing import actions
from kabinet.signing.models import SignatureRequest
from kabinet.testing import factories as f

NOW = datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.UTC)


def pdf_document(
    *, company, contact, title: str = "Supply contract 7", lines: list[str] | None = None
) -> Document:
    """A published contract whose file is a real (small) PDF."""
    stored = store_bytes(
        actor=None,
        name="contract.pdf",
        data=simple_pdf(lines or [title, "Terms and conditions"]),
        company=company,
        contact=contact,
    )
    return f.DocumentFactory(company=company, contact=contact, title=title, file=stored)


def verified_email(user) -> None:
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


def requested(document: Document, **kwargs) -> SignatureRequest:
    staff = kwargs.pop("actor", None) or f.StaffFactory()
    return actions.request_signature(actor=staff, document=document, **kwargs)


def fake_sealed(sig_request: SignatureRequest, stored) -> SignatureRequest:
    """A completed request pointing at ``stored`` as its signed file (access tests need no real seal)."""
    with stored.file.open("rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    SignatureRequest.objects.filter(pk=sig_request.pk).update(
        signed_file=stored, result_sha256=digest, status=SignatureRequest.Status.SIGNED, completed_at=NOW
    )
    sig_request.refresh_from_db()
    return sig_request


def pdf_text(data: bytes, page: int = -1) -> str:
    """The text of one page as a PDF reader extracts it: each string of the content stream decoded through
    its font's ``ToUnicode`` map (the signature page's font is a Type0 font with two-byte glyph ids)."""
    import io
    import re

    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(data), strict=False)

    def leaves(node):
        if "/Kids" in node:
            for kid in node["/Kids"]:
                yield from leaves(kid.get_object())
        else:
            yield node

    chosen = list(leaves(reader.root["/Pages"]))[page]
    fonts = chosen["/Resources"]["/Font"]
    maps = {}
    for name in fonts:
        cmap = fonts[name].get_object()["/ToUnicode"].get_object().data.decode("ascii")
        maps["/" + name.lstrip("/")] = {
            int(gid, 16): bytes.fromhex(text).decode("utf-16-be")
            for gid, text in re.findall(r"<([0-9A-F]{4})> <([0-9A-F]+)>", cmap)
        }
    content = chosen["/Contents"]
    stream = content.get_object().data.decode("latin-1")
    lines = []
    for font, hexes in re.findall(r"(/F\d+) [\d.]+ Tf [\d.]+ [\d.]+ Td <([0-9A-F]*)> Tj", stream):
        table = maps[font]
        lines.append("".join(table[int(hexes[i : i + 4], 16)] for i in range(0, len(hexes), 4)))
    return "\n".join(lines)


def embedded_font_characters(data: bytes, page: int = -1) -> dict[int, str]:
    """Glyph id → character by the embedded font's own character map (fontTools reads the subset), to check
    that the glyphs drawn are the letters the ``ToUnicode`` map claims."""
    import io

    from fontTools import ttLib
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    node = reader.root["/Pages"]
    while "/Kids" in node:
        node = node["/Kids"][page].get_object()
    font = node["/Resources"]["/Font"]["/F1"].get_object()
    descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
    subset = ttLib.TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().data))
    return {subset.getGlyphID(name): chr(code) for code, name in subset.getBestCmap().items()}
