"""The signed PDF: the original pages, a signature page (every signer with the evidence, the signature id and a
QR code of the verification page), sealed with a PAdES signature by the organisation's certificate.

Everything goes through pyHanko's public API (``IncrementalPdfFileWriter``, ``signers.sign_pdf``,
``validation.validate_pdf_signature``). The original bytes stay untouched: the signature page and the seal are
an incremental update, so the original revision can still be extracted and compared with its hash.

The signature page is set in DejaVu Sans, embedded as a subset (``typeface.py``), so names, titles and the
evidence appear as written: Cyrillic, Polish, Latin.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

import segno
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PageObject
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from kabinet.signing.certificate import OrganisationKey
from kabinet.signing.typeface import PageFont

logger = logging.getLogger(__name__)

FIELD_NAME = "KabinetSeal"
PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points


@dataclass(frozen=True)
class StampLine:
    text: str
    bold: bool = False
    size: int = 9


def _wrap(text: str, width: float, font: PageFont, size: int) -> list[str]:
    """``text`` in lines at most ``width`` points wide (a word longer than that, a hash say, stays whole)."""
    lines, line = [], ""
    for word in text.split(" "):
        candidate = f"{line} {word}".strip()
        if line and font.width(candidate, size) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    lines.append(line)
    return lines


MARGIN = 50
QR_MODULE = 3


def stamp_page_stream(lines: list[StampLine], verify_url: str, font: PageFont) -> bytes:
    """The content stream of the signature page: the lines top to bottom in ``font`` (bold lines drawn with a
    thin outline: one font file is enough), the QR code top right, the text wrapped beside and below it."""
    qr = segno.make(verify_url, error="m")
    qr_left = PAGE_WIDTH - MARGIN - QR_MODULE * len(qr.matrix[0])
    qr_top = PAGE_HEIGHT - 40
    qr_bottom = qr_top - QR_MODULE * len(qr.matrix)
    ops = []
    y = PAGE_HEIGHT - 60
    for line in lines:
        width = (qr_left - 15 if y > qr_bottom - 10 else PAGE_WIDTH - MARGIN) - MARGIN
        for part in _wrap(line.text, width, font, line.size):
            text = f"BT /F1 {line.size} Tf {MARGIN} {y} Td {font.show(part)} Tj ET"
            ops.append(f"q 2 Tr 0.35 w {text} Q" if line.bold else text)
            y -= line.size + 4
        if y < 60:
            break
    for row_index, row in enumerate(qr.matrix):
        for col_index, dark in enumerate(row):
            if dark:
                ops.append(
                    f"{qr_left + col_index * QR_MODULE} {qr_top - (row_index + 1) * QR_MODULE} "
                    f"{QR_MODULE} {QR_MODULE} re"
                )
    ops.append("f")
    return "\n".join(ops).encode("ascii")


def seal(
    original: bytes, *, lines: list[StampLine], verify_url: str, key: OrganisationKey, reason: str
) -> bytes:
    """The original PDF plus the signature page, sealed (PAdES B-B) by ``key``."""
    writer = IncrementalPdfFileWriter(io.BytesIO(original))
    font = PageFont()
    stream = generic.StreamObject(stream_data=stamp_page_stream(lines, verify_url, font))
    stream.compress()
    resources = generic.DictionaryObject(
        {
            generic.NameObject("/Font"): generic.DictionaryObject(
                {generic.NameObject("/F1"): font.embed(writer)}
            )
        }
    )
    writer.insert_page(
        PageObject(
            contents=writer.add_object(stream), media_box=(0, 0, PAGE_WIDTH, PAGE_HEIGHT), resources=resources
        )
    )
    signer = signers.SimpleSigner.load_pkcs12_data(key.pkcs12, other_certs=[], passphrase=key.password)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
    )
    return signers.sign_pdf(writer, meta, signer=signer).getvalue()


@dataclass(frozen=True)
class SealCheck:
    """What pyHanko says of a file's seal: present, bytes unchanged since sealing, by a trusted certificate."""

    sealed: bool
    intact: bool = False
    trusted: bool = False
    whole_file: bool = False

    @property
    def ok(self) -> bool:
        return self.sealed and self.intact and self.trusted and self.whole_file


def load_certificate(pem: str) -> asn1_x509.Certificate:
    _type, _headers, der = asn1_pem.unarmor(pem.encode())
    return asn1_x509.Certificate.load(der)


def check_seal(data: bytes, trusted_pems: list[str]) -> SealCheck:
    """Validate the last signature of ``data`` against the organisation's certificates; never raises."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = reader.embedded_signatures
        if not embedded:
            return SealCheck(sealed=False)
        context = ValidationContext(
            trust_roots=[load_certificate(pem) for pem in trusted_pems if pem], allow_fetching=False
        )
        status = validate_pdf_signature(embedded[-1], context)
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError) as error:
        logger.info("a file on the verification page is not a readable signed PDF: %s", error)
        return SealCheck(sealed=False)
    return SealCheck(
        sealed=True,
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
    )
