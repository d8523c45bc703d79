"""The signed PDF: the original pages, a signature page (every signer with the evidence, the signature id and a
QR code of the verification page), sealed with a PAdES signature by the organisation's certificate.

Everything goes through pyHanko's public API (``IncrementalPdfFileWriter``, ``signers.sign_pdf``,
``validation.validate_pdf_signature``). The original bytes stay untouched: the signature page and the seal are
an incremental update, so the original revision can still be extracted and compared with its hash.

The signature page is set in DejaVu Sans, embedded as a subset (``typeface.py``), so names, titles and the
evidence appear as written: Cyrillic, Polish, Latin.
"""

from __future__ import annotations

import datetime
import io
import logging
from dataclasses import dataclass

import segno
from asn1crypto import cms, tsp
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PageObject
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.timestamps import TimeStamper, TimestampRequestError
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature, validate_pdf_timestamp
from pyhanko_certvalidator import ValidationContext

from kabinet.core.providers import timestamp
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


class ProviderTimeStamper(TimeStamper):
    """pyHanko's timestamp client over Kabinet's timestamp facade (the provider staff chose): pyHanko builds the
    RFC 3161 request and checks the answer (status, nonce); the provider only carries the bytes."""

    def __init__(self, provider: timestamp.TimestampProvider) -> None:
        super().__init__()
        self.provider = provider

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        result = timestamp.stamp(self.provider, req.dump())
        if not result.accepted:
            raise TimestampRequestError(result.error or "the timestamp server refused")
        try:
            return tsp.TimeStampResp.load(result.response)
        except ValueError as error:
            raise TimestampRequestError(f"not an RFC 3161 response: {error}") from error


def seal(
    original: bytes,
    *,
    lines: list[StampLine],
    verify_url: str,
    key: OrganisationKey,
    reason: str,
    timestamper: TimeStamper | None = None,
) -> bytes:
    """The original PDF plus the signature page, sealed by ``key``: PAdES B-T with the signature timestamp of
    ``timestamper``, B-B without one. A timestamp server that fails raises ``TimestampRequestError``."""
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
    return signers.sign_pdf(writer, meta, signer=signer, timestamper=timestamper).getvalue()


def add_document_timestamp(sealed: bytes, timestamper: TimeStamper) -> bytes:
    """A document timestamp (RFC 3161, ``/DocTimeStamp``) over a sealed file, as an incremental update: the seal
    made while the timestamp server was away becomes PAdES B-T (ETSI EN 319 142-1 accepts a document timestamp
    as the signature's trusted time), and the earlier bytes stay inside unchanged."""
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed))
    return (
        signers.PdfTimeStamper(timestamper)
        .timestamp_pdf(writer, md_algorithm="sha256", validation_context=None)
        .getvalue()
    )


@dataclass(frozen=True)
class SealCheck:
    """What pyHanko says of a file's seal: present, bytes unchanged since sealing, by a trusted certificate; and
    its trusted time, when an RFC 3161 timestamp (in the seal, or a document timestamp after it) validates."""

    sealed: bool
    intact: bool = False
    trusted: bool = False
    whole_file: bool = False
    timestamp: datetime.datetime | None = None
    timestamp_trusted: bool = False

    @property
    def ok(self) -> bool:
        return self.sealed and self.intact and self.trusted and self.whole_file


def load_certificate(pem: str) -> asn1_x509.Certificate:
    _type, _headers, der = asn1_pem.unarmor(pem.encode())
    return asn1_x509.Certificate.load(der)


def _context(pems: list[str]) -> ValidationContext:
    return ValidationContext(trust_roots=[load_certificate(pem) for pem in pems if pem], allow_fetching=False)


def check_seal(data: bytes, trusted_pems: list[str], tsa_pems: list[str] | None = None) -> SealCheck:
    """Validate the seal of ``data`` against the organisation's certificates and its timestamp against the
    timestamp servers' (``tsa_pems``); never raises. The seal covers the whole file, or everything but a
    document timestamp added after it (nothing else may follow it)."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = reader.embedded_signatures
        seals = [sig for sig in embedded if sig.field_name == FIELD_NAME]
        if not seals:
            return SealCheck(sealed=False)
        sealed = seals[-1]
        tsa_context = _context(tsa_pems or [])
        status = validate_pdf_signature(sealed, _context(trusted_pems), ts_validation_context=tsa_context)
        whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        stamp, stamp_trusted = None, False
        token = status.timestamp_validity
        if token is not None and token.intact and token.valid:
            stamp, stamp_trusted = token.timestamp, bool(token.trusted)
        later = embedded[embedded.index(sealed) + 1 :]
        if not whole and later and all(sig.sig_object_type == "/DocTimeStamp" for sig in later):
            document_stamp = validate_pdf_timestamp(later[-1], validation_context=tsa_context)
            whole = (
                status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
                and status.modification_level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
                and document_stamp.intact
                and document_stamp.valid
                and document_stamp.coverage == SignatureCoverageLevel.ENTIRE_FILE
            )
            if whole and stamp is None:
                stamp, stamp_trusted = document_stamp.timestamp, bool(document_stamp.trusted)
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError) as error:
        logger.info("a file on the verification page is not a readable signed PDF: %s", error)
        return SealCheck(sealed=False)
    return SealCheck(
        sealed=True,
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        whole_file=whole,
        timestamp=stamp,
        timestamp_trusted=stamp_trusted,
    )


def _token_facts(signed_data: cms.SignedData) -> tuple[datetime.datetime, str, str]:
    """(time, authority, authority's certificate PEM) of an RFC 3161 token's ``SignedData``."""
    tst_info = signed_data["encap_content_info"]["content"].parsed
    sid = signed_data["signer_infos"][0]["sid"]
    certificates = [choice.chosen for choice in signed_data["certificates"] or []]
    authority = next(
        (
            cert
            for cert in certificates
            if sid.name == "issuer_and_serial_number"
            and cert.issuer == sid.chosen["issuer"]
            and cert.serial_number == sid.chosen["serial_number"].native
        ),
        certificates[0] if certificates else None,
    )
    if authority is None:
        return tst_info["gen_time"].native, "", ""
    pem = asn1_pem.armor("CERTIFICATE", authority.dump()).decode()
    return tst_info["gen_time"].native, authority.subject.human_friendly[:400], pem


def read_timestamp(data: bytes) -> tuple[datetime.datetime, str, str] | None:
    """The time, authority and authority certificate of the file's timestamp: the seal's own (signature
    timestamp) or, failing that, the last document timestamp. None when it has neither."""
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    embedded = reader.embedded_signatures
    for sig in embedded:
        if sig.field_name != FIELD_NAME:
            continue
        unsigned = sig.signer_info["unsigned_attrs"]
        for attribute in unsigned if unsigned.native else []:
            if attribute["type"].native == "signature_time_stamp_token":
                return _token_facts(attribute["values"][0]["content"])
    stamps = [sig for sig in embedded if sig.sig_object_type == "/DocTimeStamp"]
    if stamps:
        return _token_facts(stamps[-1].signed_data)
    return None
