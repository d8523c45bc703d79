"""Writes on signatures: asking for them, the one-time codes, signing, declining, countersigning, sealing.

Every action is keyword-only with an explicit actor and ``now``, atomic, and writes the client timeline
(``document.signed`` becomes the outgoing webhook of that name) and the audit log; messages leave after commit.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kabinet.accounts import codes
from kabinet.core.audit import record_audit
from kabinet.core.branding import from_email, language_of, portal_title
from kabinet.core.notify import Notice, notify
from kabinet.core.providers import timestamp
from kabinet.core.providers.sms import SmsMessage, send_sms
from kabinet.crm.models import Contact, Membership
from kabinet.crm.timeline import record_timeline
from kabinet.documents.models import Document
from kabinet.files.actions import store_bytes
from kabinet.signing import certificate, evidence, seal
from kabinet.signing.models import (
    SignatureRequest,
    Signer,
    SigningCode,
    SigningConsent,
    SigningEvent,
)

EMAIL, SMS, TOTP = "email", "sms", "totp"
logger = logging.getLogger(__name__)


def file_bytes(document: Document) -> bytes:
    with document.file.file.open("rb") as handle:
        return handle.read()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verify_url(signature_id: str) -> str:
    return settings.SITE_URL + reverse("signing:verify_id", args=[signature_id])


def validate_request(
    *, document: Document, client_contact: Contact | None, any_company_admin: bool, staff_user: Any
) -> None:
    """The rules of a signature request, as field errors (the back-office form shows them before saving)."""
    if document.status == Document.Status.DRAFT:
        raise ValidationError({"document": _("Publish the document before asking for a signature.")})
    if document.file is None or document.file.content_type != "application/pdf":
        raise ValidationError({"document": _("Only a document with a PDF file can be signed.")})
    if SignatureRequest.objects.filter(document=document).exists():
        raise ValidationError({"document": _("This document already has a signature request.")})
    if any_company_admin == (client_contact is not None):
        raise ValidationError(
            {"client_contact": _("Name the person who signs, or choose any company admin.")}
        )
    if any_company_admin and document.company_id is None:
        raise ValidationError({"client_contact": _("A private person's document is signed by that person.")})
    if client_contact is not None:
        if document.company_id is not None:
            belongs = Membership.objects.filter(
                company_id=document.company_id, contact=client_contact
            ).exists()
        else:
            belongs = client_contact.pk == document.contact_id
        if not belongs:
            raise ValidationError(
                {"client_contact": _("This person is not a client of the document's company.")}
            )
    if staff_user is not None and not staff_user.is_staff:
        raise ValidationError({"staff_user": _("The company's signer must be a staff member.")})


@transaction.atomic
def request_signature(
    *,
    actor: Any,
    document: Document,
    client_contact: Contact | None = None,
    any_company_admin: bool = False,
    staff_user: Any = None,
    staff_first: bool = False,
    deadline: datetime.date | None = None,
) -> SignatureRequest:
    """Ask for the client's signature on a published PDF document (a named person of the document's company,
    or any of its admins), and optionally a staff member's before or after him. The client is told at once."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    validate_request(
        document=document,
        client_contact=client_contact,
        any_company_admin=any_company_admin,
        staff_user=staff_user,
    )
    data = file_bytes(document)
    request = SignatureRequest.objects.create(
        document=document,
        company_id=document.company_id,
        contact_id=document.contact_id,
        requested_by=actor if getattr(actor, "pk", None) else None,
        deadline=deadline,
        original_sha256=sha256(data),
    )
    sides = [("client", client_contact, any_company_admin, None)]
    if staff_user is not None:
        staff = ("staff", None, False, staff_user)
        sides = [staff, *sides] if staff_first else [*sides, staff]
    for position, (side, contact, any_admin, user) in enumerate(sides, start=1):
        Signer.objects.create(
            request=request,
            position=position,
            side=side,
            contact=contact,
            any_company_admin=any_admin,
            staff_user=user,
        )
    if document.status != Document.Status.AWAITING_SIGNATURE:
        document.status = Document.Status.AWAITING_SIGNATURE
        document.save(update_fields=["status", "updated_at"])
    record_timeline(
        event="document.signature_requested",
        kind="document",
        subject=document,
        company=document.company,
        contact=document.contact,
        actor=actor,
        title=document.title,
    )
    record_audit(event="signing.requested", actor=actor, target=request, document=document.public_id)
    if not staff_first or staff_user is None:
        _tell_client_signers(request)
    return request


def _client_recipients(signer: Signer) -> list[int]:
    if signer.contact_id is not None:
        return [signer.contact_id]
    return list(
        Membership.objects.filter(company_id=signer.request.company_id, role=Membership.Role.ADMIN)
        .order_by("contact_id")
        .values_list("contact_id", flat=True)
    )


def _tell_client_signers(request: SignatureRequest) -> None:
    """A notice (email, push...) with the one-click link to the signing page, for whoever signs next."""
    signer = request.signers.filter(status=Signer.Status.PENDING).order_by("position").first()
    if signer is None or signer.side != Signer.Side.CLIENT:
        return
    for contact_id in _client_recipients(signer):
        notify(
            Notice(
                event="document.awaiting_signature",
                contact_id=contact_id,
                company_id=request.company_id,
                url=reverse("signing:sign", args=[request.document.public_id]),
                subject_public_id=request.document.public_id,
                params={"title": request.document.title},
            )
        )


def current_signer(request: SignatureRequest) -> Signer | None:
    """The signer whose turn it is (signing is sequential), or None when nobody is waited for."""
    if request.status != SignatureRequest.Status.PENDING:
        return None
    return request.signers.filter(status=Signer.Status.PENDING).order_by("position").first()


def destinations(user: Any) -> dict[str, tuple[str, str]]:
    """The channels a code may go to: ``{"email": (address, masked), "sms": (phone, masked)}``, verified only."""
    from allauth.account.models import EmailAddress

    found: dict[str, tuple[str, str]] = {}
    if EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists():
        found[EMAIL] = (user.email, evidence.mask_email(user.email))
    if user.phone and user.phone_verified_at:
        found[SMS] = (user.phone, evidence.mask_phone(user.phone))
    return found


@transaction.atomic
def send_signing_code(
    *, actor: Any, signer: Signer, channel: str, now: datetime.datetime, request: Any = None
) -> SigningCode:
    """A new attempt: a 6-digit code for this signer and this document's current bytes, to his verified email
    or phone. Earlier attempts of the signer end. The caller rate-limits."""
    channels = destinations(actor)
    if channel not in channels:
        raise ValidationError({"channel": _("Choose a confirmed email or phone.")})
    address, masked = channels[channel]
    document = signer.request.document
    digest = sha256(file_bytes(document))
    if digest != signer.request.original_sha256:
        raise ValidationError(
            {"channel": _("The document's file has changed. Ask your manager to send it again.")}
        )
    SigningCode.objects.filter(signer=signer, used_at__isnull=True).update(used_at=now)
    code = codes.generate_code()
    attempt = SigningCode.objects.create(
        signer=signer,
        attempt=secrets.token_urlsafe(16),
        code_hash=codes.code_hash(code),
        channel=channel,
        destination=masked,
        document_sha256=digest,
        created_at=now,
        expires_at=now + datetime.timedelta(seconds=evidence.CODE_LIFETIME_SECONDS),
    )
    with translation.override(language_of(actor)):
        context = {"code": code, "title": document.title, "portal_title": portal_title(), "sha256": digest}
        if channel == EMAIL:
            subject = render_to_string("signing/email/code_subject.txt", context).strip()
            body = render_to_string("signing/email/code_message.txt", context)
            transaction.on_commit(lambda: send_mail(subject, body, from_email(), [address]))
        else:
            text = _("%(code)s is your code to sign “%(title)s”. Do not tell it to anyone.") % context
            send_sms(SmsMessage(to=address, text=text, purpose="signing_code"))
    record_audit(
        event="signing.code_sent", actor=actor, target=signer.request, request=request, channel=channel
    )
    return attempt


@dataclass(frozen=True)
class Context:
    """Where a signature or refusal comes from: the evidence the request gives."""

    ip_address: str | None
    user_agent: str
    time_zone: str


def request_context(request: Any, time_zone: str) -> Context:
    zone = time_zone if time_zone in zoneinfo.available_timezones() else settings.TIME_ZONE
    return Context(
        ip_address=request.META.get("REMOTE_ADDR") or None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:400],
        time_zone=zone,
    )


def _identity(signer: Signer, user: Any) -> tuple[str, str, str]:
    """(name, email, role) of whoever acts for ``signer``."""
    if signer.side == Signer.Side.STAFF:
        return user.full_name or user.email, user.email, "staff"
    contact = Contact.objects.filter(user=user).first()
    name = str(contact) if contact is not None else (user.full_name or user.email)
    role = "private person"
    if signer.request.company_id is not None and contact is not None:
        membership = Membership.objects.filter(company_id=signer.request.company_id, contact=contact).first()
        role = "company admin" if membership and membership.role == Membership.Role.ADMIN else "member"
    return name, user.email, role


def _record_event(
    *,
    kind: str,
    signer: Signer,
    user: Any,
    channel: str,
    destination: str,
    context: Context,
    now: datetime.datetime,
    digest: str,
    reason: str = "",
) -> SigningEvent:
    request = signer.request
    name, email, role = _identity(signer, user)
    company = request.company
    local = now.astimezone(zoneinfo.ZoneInfo(context.time_zone))
    return SigningEvent.objects.create(
        request=request,
        signer=signer,
        kind=kind,
        user=user,
        signer_name=name,
        signer_email=email,
        company_name=company.name if company else "",
        company_tax_id=getattr(company, "inn", "") or "" if company else "",
        role=role,
        channel=channel,
        destination=destination,
        ip_address=context.ip_address,
        user_agent=context.user_agent,
        time_zone=context.time_zone,
        occurred_at=now,
        local_time=local.isoformat(timespec="seconds"),
        statement_version=evidence.STATEMENT_VERSION,
        statement=evidence.statement(name=name, title=request.document.title, sha256=digest),
        document_sha256=digest,
        reason=reason,
    )


def check_code(
    *, signer: Signer, attempt: str, code: str, now: datetime.datetime
) -> tuple[str, SigningCode | None]:
    """``("ok", code)``, or ``("wrong" | "expired" | "too_many", None)``; a wrong code counts a try."""
    row = SigningCode.objects.select_for_update().filter(signer=signer, attempt=attempt).first()
    if row is None or row.used_at is not None or now > row.expires_at:
        return "expired", None
    if row.tries >= evidence.CODE_MAX_TRIES:
        return "too_many", None
    if codes.matches(code, row.code_hash):
        row.used_at = now
        row.save(update_fields=["used_at"])
        return "ok", row
    row.tries += 1
    row.save(update_fields=["tries"])
    return ("too_many" if row.tries >= evidence.CODE_MAX_TRIES else "wrong"), None


def has_consent(user: Any) -> bool:
    return SigningConsent.objects.filter(user=user, version=evidence.CONSENT_VERSION).exists()


@transaction.atomic
def sign(
    *,
    actor: Any,
    signer: Signer,
    attempt: str,
    code: str,
    context: Context,
    now: datetime.datetime,
    accept_consent: bool = False,
) -> str:
    """Sign with the one-time code of ``attempt``: the evidence is recorded, the next signer is told, and the
    last signature seals the PDF. Returns the outcome of the code (``"ok"`` when signed)."""
    signer = (
        Signer.objects.select_for_update(of=("self",))
        .select_related("request__document__file")
        .get(pk=signer.pk)
    )
    if current_signer(signer.request) != signer:
        return "expired"
    needs_consent = not has_consent(actor)
    if needs_consent and not accept_consent:
        raise ValidationError({"consent": _("Accept the agreement on the simple electronic signature.")})
    outcome, row = check_code(signer=signer, attempt=attempt, code=code, now=now)
    if outcome != "ok":
        record_audit(event="signing.code_rejected", actor=actor, target=signer.request, outcome=outcome)
        return outcome
    if needs_consent:  # accepted once, recorded like the other consents: version, exact words, time, address
        SigningConsent.objects.create(
            user=actor,
            version=evidence.CONSENT_VERSION,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            text=evidence.consent_text(),
            accepted_at=now,
            ip_address=context.ip_address,
        )
    _signed(
        signer=signer,
        actor=actor,
        channel=row.channel,
        destination=row.destination,
        context=context,
        now=now,
        digest=row.document_sha256,
    )
    return "ok"


@transaction.atomic
def countersign(*, actor: Any, signer: Signer, context: Context, now: datetime.datetime) -> None:
    """The staff signature, after the caller checked the staff member's authenticator code (TOTP)."""
    signer = (
        Signer.objects.select_for_update(of=("self",))
        .select_related("request__document__file")
        .get(pk=signer.pk)
    )
    if (
        signer.side != Signer.Side.STAFF
        or signer.staff_user_id != actor.pk
        or current_signer(signer.request) != signer
    ):
        raise ValidationError({"code": _("It is not your turn to sign this document.")})
    digest = sha256(file_bytes(signer.request.document))
    if digest != signer.request.original_sha256:
        raise ValidationError(
            {"code": _("The document's file has changed since the signature was requested.")}
        )
    _signed(
        signer=signer,
        actor=actor,
        channel=TOTP,
        destination=_("authenticator app"),
        context=context,
        now=now,
        digest=digest,
    )


def _signed(
    *,
    signer: Signer,
    actor: Any,
    channel: str,
    destination: str,
    context: Context,
    now: datetime.datetime,
    digest: str,
) -> None:
    request = signer.request
    _record_event(
        kind=SigningEvent.Kind.SIGNED,
        signer=signer,
        user=actor,
        channel=channel,
        destination=destination,
        context=context,
        now=now,
        digest=digest,
    )
    signer.status = Signer.Status.SIGNED
    signer.acted_at = now
    signer.acted_by = actor
    signer.save(update_fields=["status", "acted_at", "acted_by", "updated_at"])
    complete = not request.signers.filter(status=Signer.Status.PENDING).exists()
    document = request.document
    if complete:
        _seal(request, now=now)
    record_timeline(
        event="document.signed",
        kind="document",
        subject=document,
        company=document.company,
        contact=document.contact,
        actor=actor,
        title=document.title,
        signature_id=request.signature_id,
        complete=complete,
    )
    record_audit(
        event="signing.signed", actor=actor, target=request, signer=signer.public_id, channel=channel
    )
    if not complete:
        _tell_client_signers(request)


def stamp_lines(request: SignatureRequest) -> list[seal.StampLine]:
    """The signature page: the document, its hashes, every signer with the evidence, the signature id — in the
    portal's language, with names, titles and evidence as written (the page's font has Cyrillic and Polish)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _stamp_lines(request)


def _stamp_lines(request: SignatureRequest) -> list[seal.StampLine]:
    document = request.document
    title = document.title
    if document.number:
        title = _("%(title)s No. %(number)s") % {"title": title, "number": document.number}
    lines = [
        seal.StampLine(_("Signature page"), bold=True, size=14),
        seal.StampLine(_("Document: %(title)s") % {"title": title}),
        seal.StampLine(_("Signature id: %(id)s") % {"id": request.signature_id}, bold=True),
        seal.StampLine(_("Original SHA-256: %(sha256)s") % {"sha256": request.original_sha256}),
        seal.StampLine(
            _(
                "Simple electronic signature (Federal Law 63-FZ, art. 9) by one-time code; "
                "sealed by the organisation's certificate (PAdES)."
            )
        ),
        seal.StampLine(" "),
    ]
    for event in request.events.filter(kind=SigningEvent.Kind.SIGNED).order_by("occurred_at", "id"):
        company = (
            _("Company: %(company)s") % {"company": f"{event.company_name} {event.company_tax_id}".strip()}
            if event.company_name
            else _("Private person")
        )
        lines += [
            seal.StampLine(
                _("Signed by %(name)s (%(role)s)") % {"name": event.signer_name, "role": event.role},
                bold=True,
                size=10,
            ),
            seal.StampLine(company),
            seal.StampLine(
                _("Verified by: %(channel)s %(destination)s")
                % {"channel": event.channel, "destination": event.destination}
            ),
            seal.StampLine(
                _("Time: %(utc)s UTC; %(local)s (%(zone)s)")
                % {
                    "utc": f"{event.occurred_at.astimezone(datetime.UTC):%Y-%m-%d %H:%M:%S}",
                    "local": event.local_time,
                    "zone": event.time_zone,
                }
            ),
            seal.StampLine(
                _(
                    "IP address: %(ip)s; statement version %(version)s; SHA-256 of the document shown %(sha256)s"
                )
                % {
                    "ip": event.ip_address or "-",
                    "version": event.statement_version,
                    "sha256": event.document_sha256,
                }
            ),
            seal.StampLine(" "),
        ]
    lines.append(seal.StampLine(_("Verify: %(url)s") % {"url": verify_url(request.signature_id)}))
    return lines


def _seal(request: SignatureRequest, *, now: datetime.datetime) -> None:
    """Seal with a signature timestamp when a timestamp server is configured (PAdES B-T); if it does not
    answer, seal B-B now and mark the timestamp pending: ``add_pending_timestamps`` adds it later."""
    document = request.document
    key = certificate.active_key()
    original = file_bytes(document)
    provider = timestamp.active()
    arguments = {
        "lines": stamp_lines(request),
        "verify_url": verify_url(request.signature_id),
        "key": key,
        "reason": f"Signed in Kabinet, {request.signature_id}",
    }
    request.timestamp_status = SignatureRequest.Timestamp.NONE
    sealed = None
    if provider is not None:
        authority = seal.ProviderTimeStamper(provider)
        try:
            sealed = seal.seal(original, **arguments, timestamper=authority)
        except (OSError, ValueError) as error:  # TimestampRequestError is an OSError
            logger.warning("timestamp server unavailable for %s: %s", request.signature_id, error)
            request.timestamp_status = SignatureRequest.Timestamp.PENDING
            request.timestamp_attempts = 1
        else:
            _record_timestamp(request, sealed)
    if sealed is None:
        sealed = seal.seal(original, **arguments)
    base = document.file.original_name.rsplit(".", 1)[0]
    stored = store_bytes(
        actor=None,
        name=f"{base}-signed.pdf",
        data=sealed,
        company=document.company,
        contact=document.contact,
        subject=document,
    )
    request.signed_file = stored
    request.result_sha256 = stored.sha256
    request.certificate_pem = key.certificate_pem
    request.status = SignatureRequest.Status.SIGNED
    request.completed_at = now
    request.save(
        update_fields=[
            "signed_file",
            "result_sha256",
            "certificate_pem",
            "status",
            "completed_at",
            "updated_at",
            *TIMESTAMP_FIELDS,
        ]
    )
    document.status = Document.Status.SIGNED
    document.save(update_fields=["status", "updated_at"])


TIMESTAMP_FIELDS = (
    "timestamp_status",
    "timestamped_at",
    "timestamp_authority",
    "timestamp_certificate_pem",
    "timestamp_attempts",
)


def _record_timestamp(request: SignatureRequest, sealed: bytes) -> None:
    """Keep the timestamp's time and its authority (the certificate the verification page trusts for it)."""
    found = seal.read_timestamp(sealed)
    request.timestamp_status = SignatureRequest.Timestamp.STAMPED
    if found is not None:
        request.timestamped_at, request.timestamp_authority, request.timestamp_certificate_pem = found


MAX_TIMESTAMP_ATTEMPTS = (
    48  # every 30 minutes: a day of a server's outage, then staff look (it stays pending)
)


def add_pending_timestamps(*, now: datetime.datetime, limit: int = 20) -> int:
    """For every seal made while the timestamp server was away: add a document timestamp (the file becomes
    PAdES B-T), store it as the signed file and keep the earlier hash, so copies already downloaded still
    verify. Each request is its own transaction; the server's refusal leaves it pending. Answers how many
    were timestamped."""
    provider = timestamp.active()
    if provider is None:
        return 0
    ids = list(
        SignatureRequest.objects.filter(
            timestamp_status=SignatureRequest.Timestamp.PENDING,
            timestamp_attempts__lt=MAX_TIMESTAMP_ATTEMPTS,
        )
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for pk in ids:
        with transaction.atomic():
            request = (
                SignatureRequest.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("document", "signed_file")
                .filter(pk=pk, timestamp_status=SignatureRequest.Timestamp.PENDING)
                .first()
            )
            if request is None or request.signed_file is None:
                continue
            with request.signed_file.file.open("rb") as handle:
                sealed = handle.read()
            request.timestamp_attempts += 1
            try:
                stamped = seal.add_document_timestamp(sealed, seal.ProviderTimeStamper(provider))
            except (OSError, ValueError) as error:
                logger.warning("timestamp still unavailable for %s: %s", request.signature_id, error)
                request.save(update_fields=["timestamp_attempts", "updated_at"])
                continue
            document = request.document
            stored = store_bytes(
                actor=None,
                name=request.signed_file.original_name,
                data=stamped,
                company=document.company,
                contact=document.contact,
                subject=document,
            )
            request.unstamped_sha256 = request.result_sha256
            request.signed_file = stored
            request.result_sha256 = stored.sha256
            _record_timestamp(request, stamped)
            request.save(
                update_fields=[
                    "signed_file",
                    "result_sha256",
                    "unstamped_sha256",
                    "updated_at",
                    *TIMESTAMP_FIELDS,
                ]
            )
            record_audit(
                event="signing.timestamp_added", actor=None, target=request, at=str(request.timestamped_at)
            )
            done += 1
    return done


@transaction.atomic
def decline(*, actor: Any, signer: Signer, reason: str, context: Context, now: datetime.datetime) -> None:
    """Refuse to sign, with a reason staff read; the request ends and the document is no longer awaited."""
    signer = (
        Signer.objects.select_for_update(of=("self",)).select_related("request__document").get(pk=signer.pk)
    )
    if current_signer(signer.request) != signer:
        raise ValidationError({"reason": _("This document no longer awaits your signature.")})
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you decline, so that your manager can help.")})
    request = signer.request
    _record_event(
        kind=SigningEvent.Kind.DECLINED,
        signer=signer,
        user=actor,
        channel="",
        destination="",
        context=context,
        now=now,
        digest=request.original_sha256,
        reason=reason[:2000],
    )
    signer.status = Signer.Status.DECLINED
    signer.acted_at = now
    signer.acted_by = actor
    signer.decline_reason = reason[:2000]
    signer.save(update_fields=["status", "acted_at", "acted_by", "decline_reason", "updated_at"])
    request.status = SignatureRequest.Status.DECLINED
    request.completed_at = now
    request.save(update_fields=["status", "completed_at", "updated_at"])
    document = request.document
    document.status = Document.Status.ISSUED
    document.save(update_fields=["status", "updated_at"])
    record_timeline(
        event="document.signature_declined",
        kind="document",
        subject=document,
        company=document.company,
        contact=document.contact,
        actor=actor,
        title=document.title,
    )
    record_audit(event="signing.declined", actor=actor, target=request, signer=signer.public_id)


def audit_log_text(request: SignatureRequest) -> str:
    """The downloadable audit log of one document: hashes and every event with its evidence (UTF-8 text),
    labelled in the reader's language; the values are the evidence as recorded."""
    document = request.document
    utc = "%Y-%m-%d %H:%M:%S UTC"
    label = {
        "document": _("Document"),
        "status": _("Status"),
        "original": _("Original SHA-256"),
        "result": _("Result SHA-256"),
        "requested": _("Requested"),
        "signer": _("Signer"),
        "company": _("Company"),
        "verified": _("Verified by"),
        "ip": _("IP address"),
        "agent": _("User agent"),
        "local": _("Local time"),
        "shown": _("SHA-256 of the document shown"),
        "reason": _("Reason"),
    }
    rows = [
        _("Signature audit log — %(id)s") % {"id": request.signature_id},
        f"{label['document']}: {document.title} {document.number}".rstrip(),
        f"{label['status']}: {request.get_status_display()}",
        f"{label['original']}: {request.original_sha256}",
        f"{label['result']}: {request.result_sha256 or '-'}",
        f"{label['requested']}: {request.created_at.astimezone(datetime.UTC):{utc}}",
        "",
    ]
    for event in request.events.order_by("occurred_at", "id"):
        statement = _("Statement, version %(version)s") % {"version": event.statement_version}
        rows += [
            f"[{event.occurred_at.astimezone(datetime.UTC):{utc}}] {event.get_kind_display().upper()}",
            f"  {label['signer']}: {event.signer_name} <{event.signer_email}>, {event.role}",
            f"  {label['company']}: {event.company_name} {event.company_tax_id}".rstrip(),
            f"  {label['verified']}: {event.channel} {event.destination}".rstrip(),
            f"  {label['ip']}: {event.ip_address or '-'}",
            f"  {label['agent']}: {event.user_agent or '-'}",
            f"  {label['local']}: {event.local_time} ({event.time_zone})",
            f"  {statement}: {event.statement}",
            f"  {label['shown']}: {event.document_sha256}",
        ]
        if event.reason:
            rows.append(f"  {label['reason']}: {event.reason}")
        rows.append("")
    return "\n".join(rows) + "\n"


@transaction.atomic
def install_certificate(*, actor: Any, label: str, pkcs12_data: bytes, password: str) -> Any:
    """Install the organisation's own PKCS#12 certificate for sealing (the password is kept encrypted); it
    becomes the active one. A file that does not open with the password is a field error."""
    from kabinet.signing.models import OrganisationCertificate

    try:
        pem, subject, not_after = certificate.read_pkcs12(pkcs12_data, password.encode())
    except certificate.CertificateError as error:
        raise ValidationError(
            {
                "upload": _(
                    "This is not a PKCS#12 file with a key and a certificate, or the password is wrong."
                )
            }
        ) from error
    OrganisationCertificate.objects.filter(active=True).update(active=False)
    installed = OrganisationCertificate.objects.create(
        label=label,
        pkcs12=pkcs12_data,
        password_token=certificate.encrypt_password(password),
        subject=subject[:400],
        not_after=not_after,
        certificate_pem=pem,
        active=True,
    )
    record_audit(event="signing.certificate_installed", actor=actor, target=installed, subject=subject[:200])
    return installed


REMIND_DAYS_BEFORE = 2


@transaction.atomic
def send_reminders(*, now: datetime.datetime) -> int:
    """Remind whoever signs next, once, when a pending request's deadline is at most two days away (or past).
    Returns how many requests were reminded."""
    today = now.date()
    due = (
        SignatureRequest.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("document")
        .filter(
            status=SignatureRequest.Status.PENDING,
            reminded_at__isnull=True,
            deadline__isnull=False,
            deadline__lte=today + datetime.timedelta(days=REMIND_DAYS_BEFORE),
        )
    )
    count = 0
    for sig_request in due:
        _tell_client_signers(sig_request)
        sig_request.reminded_at = now
        sig_request.save(update_fields=["reminded_at", "updated_at"])
        count += 1
    return count


@transaction.atomic
def rotate_certificate_passwords(*, actor: Any = None) -> int:
    """Re-encrypt the installed certificates' passwords under the current secret key
    (``kabinet rotate_credentials``); the generated demo seal is simply made again if its key is gone."""
    from kabinet.core import crypto
    from kabinet.signing.models import OrganisationCertificate

    count = crypto.rotate_column(OrganisationCertificate.objects.all(), "password_token", certificate.PURPOSE)
    record_audit(event="signing.certificate_passwords_rotated", actor=actor, count=count)
    return count
