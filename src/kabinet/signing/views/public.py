"""The public verification page: anyone uploads a PDF or enters (or scans) a signature id and learns whether it
is a genuine, unmodified document signed here. It shows only what the signature page itself prints, and it is
rate-limited per address."""

from __future__ import annotations

import hashlib
import re

from allauth.core import ratelimit
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from kabinet.signing import certificate, seal
from kabinet.signing.forms import VerifyForm
from kabinet.signing.models import OrganisationCertificate, SignatureRequest, SigningEvent

SIGNATURE_ID = re.compile(r"^KB(-[A-Z2-9]{4}){3}$")


def _public_facts(sig_request: SignatureRequest) -> dict:
    """What the signature page prints, nothing more: the document's title, the signature id, the signers."""
    signatures = list(
        SigningEvent.objects.filter(request=sig_request, kind=SigningEvent.Kind.SIGNED)
        .only("signer_name", "role", "company_name", "channel", "destination", "occurred_at")
        .order_by("occurred_at", "id")
    )
    return {"sig_request": sig_request, "title": sig_request.document.title, "signatures": signatures}


def _signed(queryset):
    return queryset.filter(status=SignatureRequest.Status.SIGNED).select_related("document")


def _limited(request: HttpRequest) -> bool:
    return not ratelimit.consume(request, action="signing_verify")


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.POST or None, request.FILES or None)
    context: dict = {"form": form}
    if request.method == "POST":
        if _limited(request):
            return render(request, "signing/verify.html", {**context, "limited": True}, status=429)
        if form.is_valid():
            upload = form.cleaned_data.get("file")
            if upload is not None:
                context.update(_check_file(upload.read()))
            else:
                context.update(_check_id(form.cleaned_data["signature_id"].strip().upper()))
    return render(request, "signing/verify.html", context)


def _check_id(signature_id: str) -> dict:
    found = (
        _signed(SignatureRequest.objects).filter(signature_id=signature_id).first()
        if SIGNATURE_ID.match(signature_id)
        else None
    )
    if found is None:
        return {"outcome": "unknown_id"}
    return {"outcome": "known_id", **_public_facts(found)}


def _check_file(data: bytes) -> dict:
    digest = hashlib.sha256(data).hexdigest()
    found = (
        _signed(SignatureRequest.objects).filter(Q(result_sha256=digest) | Q(unstamped_sha256=digest)).first()
    )
    if found is not None:
        check = seal.check_seal(data, [found.certificate_pem], [found.timestamp_certificate_pem])
        return {
            "outcome": "genuine" if check.ok else "broken",
            "sha256": digest,
            # A copy issued before its timestamp was added: genuine, and the portal's current copy has the time.
            "copy_before_timestamp": digest == found.unstamped_sha256,
            "file_timestamp": check.timestamp,
            **_public_facts(found),
        }
    # Not a file we issued byte for byte: say whether it even carries a valid seal of ours.
    trusted = [
        certificate.active_key().certificate_pem,
        *OrganisationCertificate.objects.values_list("certificate_pem", flat=True),
    ]
    check = seal.check_seal(data, trusted)
    return {"outcome": "unknown_sealed" if check.ok else "not_genuine", "sha256": digest}


@require_GET
def verify_id(request: HttpRequest, signature_id: str) -> HttpResponse:
    """The QR code's target: the facts of one signed document, by its signature id."""
    if not SIGNATURE_ID.match(signature_id):
        raise Http404
    if _limited(request):
        return render(request, "signing/verify.html", {"form": VerifyForm(), "limited": True}, status=429)
    found = _signed(SignatureRequest.objects).filter(signature_id=signature_id).first()
    if found is None:
        raise Http404
    return render(
        request, "signing/verify.html", {"form": VerifyForm(), "outcome": "known_id", **_public_facts(found)}
    )
