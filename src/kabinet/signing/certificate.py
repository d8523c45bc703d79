"""The organisation's sealing certificate: the one staff installed (PKCS#12), else a self-signed one generated
into the data folder on first use (the demo and the tests)."""

from __future__ import annotations

import datetime
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils import timezone

from kabinet.core import crypto

PURPOSE = "kabinet.signing-certificate"
GENERATED_NAME = "organisation.p12"
GENERATED_PASSWORD = "organisation.password"  # noqa: S105 -- a file name: it holds a Fernet token of the PKCS#12 password, never the password


@dataclass(frozen=True)
class OrganisationKey:
    """What sealing needs: the PKCS#12 bytes, their password, and the certificate in PEM."""

    pkcs12: bytes
    password: bytes
    certificate_pem: str
    subject: str


class CertificateError(ValueError):
    """An uploaded file that is not a PKCS#12 with a key and a certificate, or a wrong password."""


def read_pkcs12(data: bytes, password: bytes) -> tuple[str, str, datetime.datetime]:
    """(certificate PEM, subject, not-after) of a PKCS#12 file; ``CertificateError`` if unreadable."""
    try:
        key, cert, _chain = pkcs12.load_key_and_certificates(data, password or None)
    except (ValueError, TypeError) as error:
        raise CertificateError(str(error)) from error
    if key is None or cert is None:
        raise CertificateError("the file holds no private key and certificate")
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    return pem, cert.subject.rfc4514_string(), cert.not_valid_after_utc


def generate_pkcs12(common_name: str, password: bytes, *, now: datetime.datetime) -> bytes:
    """A self-signed RSA-2048 certificate valid ten years from ``now``, as PKCS#12 under ``password``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, common_name),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        b"kabinet", key, cert, None, serialization.BestAvailableEncryption(password)
    )


def _folder() -> Path:
    return Path(settings.DATA_DIR) / "signing"


def generated_key() -> OrganisationKey:
    """The data folder's self-signed certificate, created on first use."""
    folder = _folder()
    p12_path, password_path = folder / GENERATED_NAME, folder / GENERATED_PASSWORD
    try:
        data = p12_path.read_bytes()
        password = crypto.decrypt_json(password_path.read_text(), PURPOSE)["password"].encode()
    except (OSError, crypto.UnreadableSecret, KeyError):
        # First use (or a data folder whose secret key changed): a new self-signed seal. Written under
        # temporary names and renamed, so a second process never reads half a file.
        folder.mkdir(parents=True, exist_ok=True)
        password = secrets.token_urlsafe(24).encode()
        data = generate_pkcs12("Kabinet (self-signed demo seal)", password, now=timezone.now())
        suffix = f".{os.getpid()}.tmp"
        (folder / (GENERATED_PASSWORD + suffix)).write_text(
            crypto.encrypt_json({"password": password.decode()}, PURPOSE)
        )
        (folder / (GENERATED_NAME + suffix)).write_bytes(data)
        os.replace(folder / (GENERATED_PASSWORD + suffix), password_path)
        os.replace(folder / (GENERATED_NAME + suffix), p12_path)
    pem, subject, _until = read_pkcs12(data, password)
    return OrganisationKey(pkcs12=data, password=password, certificate_pem=pem, subject=subject)


def active_key() -> OrganisationKey:
    """The certificate staff installed and marked active, else the generated one."""
    from kabinet.signing.models import OrganisationCertificate

    installed = OrganisationCertificate.objects.filter(active=True).order_by("-created_at", "-id").first()
    if installed is None:
        return generated_key()
    password = crypto.decrypt_json(installed.password_token, PURPOSE).get("password", "").encode()
    return OrganisationKey(
        pkcs12=bytes(installed.pkcs12),
        password=password,
        certificate_pem=installed.certificate_pem,
        subject=installed.subject,
    )


def encrypt_password(password: str) -> str:
    return crypto.encrypt_json({"password": password}, PURPOSE)
