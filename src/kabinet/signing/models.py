"""Signing documents with a simple electronic signature (63-FZ art. 9): who must sign, in which order, the
one-time codes, the append-only evidence, and the organisation's sealing certificate."""

from __future__ import annotations

import secrets
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.core.public_ids import PublicModel
from kabinet.crm.models import Company, Contact
from kabinet.documents.models import Document
from kabinet.files.models import ClientFile

SIGNATURE_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand


def new_signature_id() -> str:
    """``KB-XXXX-XXXX-XXXX``: 60 random bits, printed on the signature page and typed on the verification page."""
    body = "".join(secrets.choice(SIGNATURE_ID_ALPHABET) for _ in range(12))
    return f"KB-{body[:4]}-{body[4:8]}-{body[8:]}"


class SignatureRequest(PublicModel):
    """Staff ask for signatures on one published document; the signers sign in ``Signer.position`` order."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for signatures")
        SIGNED = "signed", _("signed by everyone")
        DECLINED = "declined", _("declined")

    document = models.OneToOneField(
        Document, on_delete=models.PROTECT, related_name="signature_request", verbose_name=_("document")
    )
    # Copied from the document so that lists and the staff queue need no join to scope and sort.
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("contact")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    signature_id = models.CharField(
        _("signature id"), max_length=20, unique=True, default=new_signature_id, editable=False
    )
    original_sha256 = models.CharField(_("original SHA-256"), max_length=64)
    signed_file = models.ForeignKey(
        ClientFile,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signed file"),
    )
    result_sha256 = models.CharField(_("result SHA-256"), max_length=64, blank=True, db_index=True)
    certificate_pem = models.TextField(_("sealing certificate"), blank=True)

    class Timestamp(models.TextChoices):
        NONE = "", _("none (PAdES B-B)")
        STAMPED = "stamped", _("timestamped (PAdES B-T)")
        PENDING = "pending", _("timestamp pending")

    timestamp_status = models.CharField(
        _("timestamp"), max_length=10, choices=Timestamp.choices, default=Timestamp.NONE, blank=True
    )
    timestamped_at = models.DateTimeField(_("timestamp time"), null=True, blank=True)
    timestamp_authority = models.CharField(_("timestamp authority"), max_length=400, blank=True)
    timestamp_certificate_pem = models.TextField(_("timestamp authority's certificate"), blank=True)
    timestamp_attempts = models.PositiveSmallIntegerField(_("timestamp attempts"), default=0)
    # The sealed file as first issued when a timestamp was added later: copies downloaded before still verify.
    unstamped_sha256 = models.CharField(
        _("SHA-256 before the timestamp"), max_length=64, blank=True, db_index=True
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("signature request")
        verbose_name_plural = _("signature requests")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "deadline", "id"], name="signing_request_queue"),
            models.Index(fields=["timestamp_status", "id"], name="signing_request_timestamp"),
        ]

    def __str__(self) -> str:
        return f"{self.signature_id} · {self.document}"


class Signer(PublicModel):
    """One signature a request needs: a named client person, any company admin, or a staff member."""

    class Side(models.TextChoices):
        CLIENT = "client", _("client")
        STAFF = "staff", _("our company")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SIGNED = "signed", _("signed")
        DECLINED = "declined", _("declined")

    request = models.ForeignKey(
        SignatureRequest, on_delete=models.PROTECT, related_name="signers", verbose_name=_("request")
    )
    position = models.PositiveSmallIntegerField(_("order"))
    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    any_company_admin = models.BooleanField(_("any company admin"), default=False)
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("staff signer"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    acted_at = models.DateTimeField(_("signed or declined"), null=True, blank=True)
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True)

    class Meta:
        verbose_name = _("signer")
        verbose_name_plural = _("signers")
        ordering = ["request", "position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "position"], name="signing_signer_position"),
        ]
        indexes = [
            models.Index(fields=["contact", "status"], name="signing_signer_contact"),
            models.Index(fields=["staff_user", "status"], name="signing_signer_staff"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}#{self.position}"


class SigningCode(models.Model):
    """A one-time code for one signer and one attempt, bound to the hash of the bytes shown."""

    signer = models.ForeignKey(Signer, on_delete=models.CASCADE, related_name="codes")
    attempt = models.CharField(max_length=32, unique=True)
    code_hash = models.CharField(max_length=80)
    channel = models.CharField(max_length=10)
    destination = models.CharField(max_length=80)  # masked: "+7 916 ***-**-67", "a***@demo.kabinet.test"
    document_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    tries = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["signer", "created_at"], name="signing_code_signer")]

    def __str__(self) -> str:
        return f"{self.channel} {self.destination}"


class AppendOnlyError(Exception):
    """A signing event is evidence: it is written once and never edited or deleted."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("signing events cannot be changed")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("signing events cannot be deleted")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> NoReturn:
        raise AppendOnlyError("signing events cannot be changed")

    def update_or_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("signing events cannot be changed")


class SigningEvent(models.Model):
    """The evidence of one signature or refusal, append-only (the model, its querysets and the admin refuse
    any change; ``tests/test_evidence.py`` tries every write path)."""

    class Kind(models.TextChoices):
        SIGNED = "signed", _("signed")
        DECLINED = "declined", _("declined")

    request = models.ForeignKey(SignatureRequest, on_delete=models.PROTECT, related_name="events")
    signer = models.ForeignKey(Signer, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("event"), max_length=10, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("user"),
    )
    signer_name = models.CharField(_("signer"), max_length=200)
    signer_email = models.CharField(_("signer's email"), max_length=254, blank=True)
    company_name = models.CharField(_("company"), max_length=250, blank=True)
    company_tax_id = models.CharField(_("tax id"), max_length=20, blank=True)
    role = models.CharField(_("role"), max_length=40)
    channel = models.CharField(_("verified by"), max_length=10)
    destination = models.CharField(_("code sent to"), max_length=80)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True)
    user_agent = models.CharField(_("user agent"), max_length=400, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64)
    occurred_at = models.DateTimeField(_("time (UTC)"))
    local_time = models.CharField(_("time in the signer's zone"), max_length=40)
    statement_version = models.PositiveSmallIntegerField(_("statement version"))
    statement = models.TextField(_("statement"))
    document_sha256 = models.CharField(_("SHA-256 of the document shown"), max_length=64)
    reason = models.TextField(_("reason"), blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("signing event")
        verbose_name_plural = _("signing events")
        ordering = ["occurred_at", "id"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise AppendOnlyError("signing events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("signing events cannot be deleted")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.signer_name} · {self.occurred_at:%Y-%m-%d %H:%M}"


class SigningConsent(models.Model):
    """The client's agreement to be identified by a simple electronic signature (63-FZ art. 9), per version."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveSmallIntegerField(_("version"))
    language = models.CharField(_("language"), max_length=10)
    text = models.TextField(_("text accepted"))
    accepted_at = models.DateTimeField(_("accepted"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("signature agreement")
        verbose_name_plural = _("signature agreements")
        constraints = [models.UniqueConstraint(fields=["user", "version"], name="signing_consent_once")]

    def __str__(self) -> str:
        return f"{self.user} v{self.version} {self.accepted_at:%Y-%m-%d %H:%M}"


class OrganisationCertificate(models.Model):
    """A certificate staff installed (PKCS#12) to seal signed PDFs; its password is encrypted at rest."""

    label = models.CharField(_("name"), max_length=120)
    pkcs12 = models.BinaryField(_("PKCS#12 file"))
    password_token = models.TextField(blank=True)
    subject = models.CharField(_("subject"), max_length=400)
    not_after = models.DateTimeField(_("valid until"))
    certificate_pem = models.TextField(_("certificate"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("installed"), default=timezone.now)

    class Meta:
        verbose_name = _("organisation certificate")
        verbose_name_plural = _("organisation certificates")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.label
