"""The offline time-stamping authority of the demo and the tests: pyHanko's ``DummyTimeStamper`` (its public
test TSA) answering real RFC 3161 responses, signed by a self-signed TSA certificate kept in the data folder
(``<data>/signing/local-tsa.json``, the key as a Fernet token). Nothing leaves the machine; readers will show
its timestamps as "not trusted", as they do the demo seal."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from asn1crypto import keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pyhanko.sign.timestamps import DummyTimeStamper

from kabinet.core import crypto
from kabinet.core.providers.timestamp import TimestampProvider, TimestampResult

PURPOSE = "kabinet.local-tsa"
FILE_NAME = "local-tsa.json"


def tsa_certificate(common_name: str, now: datetime.datetime) -> tuple[bytes, bytes]:
    """A self-signed TSA certificate (extended key usage: time stamping, critical, as RFC 3161 asks) and its
    key, both DER."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.DER), key_der


def local_tsa() -> tuple[bytes, bytes]:
    """(certificate, key) of the data folder's TSA, created on first use."""
    path = Path(settings.DATA_DIR) / "signing" / FILE_NAME
    try:
        stored = crypto.decrypt_json(path.read_text(), PURPOSE)
        return bytes.fromhex(stored["certificate"]), bytes.fromhex(stored["key"])
    except (OSError, crypto.UnreadableSecret, KeyError, ValueError):
        path.parent.mkdir(parents=True, exist_ok=True)
        cert, key = tsa_certificate("Kabinet local timestamp authority (demo)", timezone.now())
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(crypto.encrypt_json({"certificate": cert.hex(), "key": key.hex()}, PURPOSE))
        os.replace(temporary, path)  # a second process never reads half a file
        return cert, key


class LocalTimestampProvider(TimestampProvider):
    id = "local"
    label = _("Local timestamp authority (offline, demo)")
    offline = True

    def stamp(self, request: bytes) -> TimestampResult:
        cert, key = local_tsa()
        authority = DummyTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(cert),
            tsa_key=keys.PrivateKeyInfo.load(key),
            fixed_dt=timezone.now(),  # the portal's clock (tests move it), not the machine's
        )
        response = authority.request_tsa_response(tsp.TimeStampReq.load(request))
        return TimestampResult(provider=self.id, accepted=True, response=response.dump())
