"""The signed PDF: the original pages, a signature page (every signer with the evidence, the signature id and a
QR code of the verification page), sealed with a PAdES signature by the organisation's certificate.

Everything goes through pyHanko's public API (``IncrementalPdfFileWriter``, ``signers.sign_pdf``,
``validation.validate_pdf_signature``). The original bytes stay untouched: the signature page and the seal are
an incremental update, so the original revision can still be extracted and compared with its hash.

The signature page is set in Helvetica (one of the 14 fonts every PDF reader has), so it carries Latin text:
names are transliterated. Embedding a Cyrillic font would need a font subsetter that is not in the lock.
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

logger = logging.getLogger(__name__)

FIELD_NAME = "KabinetSeal"
PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points

_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "i",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "ie",
            "y",
            "",
            "e",
            "iu",
            "ia",
        ],
        strict=True,
    )
)


def latin(text: str) -> str:
    """Text the page's font can show: Cyrillic transliterated (ICAO Doc 9303), anything else outside Latin-1
    replaced by "?"."""
    out = []
    for ch in text:
        low = ch.lower()
        if low in _TRANSLIT:
            mapped = _TRANSLIT[low]
            out.append(mapped.capitalize() if ch != low else mapped)
        else:
            out.append(ch)
    return (
        "".join(out)
        .replace("«", '"')
        .replace("»", '"')
        .replace("“", '"')
        .replace("”", '"')
        .replace("—", "-")
        .replace("№", "No.")
        .encode("latin-1", "replace")
        .decode("latin-1")
    )


def _pdf_string(text: str) -> str:
    return "(" + latin(text).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


@dataclass(frozen=True)
class StampLine:
    text: str
    bold: bool = False
    size: int = 9


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(" "), [], ""
    for word in words:
        if len(line) + len(word) + 1 > width and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return lines


def stamp_page_stream(lines: list[StampLine], verify_url: str) -> bytes:
    """The content stream of the signature page: the lines top to bottom, the QR code top right."""
    ops = []
    y = PAGE_HEIGHT - 60
    for line in lines:
        for part in _wrap(line.text, 95 if line.size <= 9 else 70):
            font = "/F2" if line.bold else "/F1"
            ops.append(f"BT {font} {line.size} Tf 50 {y} Td {_pdf_string(part)} Tj ET")
            y -= line.size + 4
        if y < 60:
            break
    qr = segno.make(verify_url, error="m")
    module = 3
    left, top = PAGE_WIDTH - 50 - module * len(qr.matrix[0]), PAGE_HEIGHT - 40
    for row_index, row in enumerate(qr.matrix):
        for col_index, dark in enumerate(row):
            if dark:
                ops.append(
                    f"{left + col_index * module} {top - (row_index + 1) * module} {module} {module} re"
                )
    ops.append("f")
    return "\n".join(ops).encode("latin-1")


def _font(base: str) -> generic.DictionaryObject:
    return generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Font"),
            generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
            generic.NameObject("/BaseFont"): generic.NameObject(base),
            generic.NameObject("/Encoding"): generic.NameObject("/WinAnsiEncoding"),
        }
    )


def seal(
    original: bytes, *, lines: list[StampLine], verify_url: str, key: OrganisationKey, reason: str
) -> bytes:
    """The original PDF plus the signature page, sealed (PAdES B-B) by ``key``."""
    writer = IncrementalPdfFileWriter(io.BytesIO(original))
    stream = generic.StreamObject(stream_data=stamp_page_stream(lines, verify_url))
    resources = generic.DictionaryObject(
        {
            generic.NameObject("/Font"): generic.DictionaryObject(
                {
                    generic.NameObject("/F1"): _font("/Helvetica"),
                    generic.NameObject("/F2"): _font("/Helvetica-Bold"),
                }
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
        reason=latin(reason),
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
