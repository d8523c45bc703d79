"""The client's signing flow: review the PDF, confirm the statement, get a one-time code, sign (or decline);
then the sealed PDF and the audit log. Every lookup goes through ``signing.selectors``: not a signer → 404."""

from __future__ import annotations

import logging

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kabinet.signing import actions, evidence
from kabinet.signing.forms import DeclineForm, SendCodeForm, SignForm
from kabinet.signing.models import SignatureRequest, Signer, SigningCode
from kabinet.signing.selectors import request_for_document, signer_for_viewer
from kabinet.signing.views.files import checked_file_response, text_download

logger = logging.getLogger(__name__)

CODE_ERRORS = {
    "wrong": gettext_lazy("The code is not correct. Check it and try again, or ask for a new one."),
    "expired": gettext_lazy("This code has expired. Ask for a new one."),
    "too_many": gettext_lazy("Too many wrong codes. Ask for a new one."),
}


def _signer(request: HttpRequest, public_id: str) -> Signer:
    try:
        return signer_for_viewer(request.viewer, public_id)
    except Signer.DoesNotExist as exc:
        raise Http404 from exc


def _open_attempt(signer: Signer, attempt: str) -> SigningCode | None:
    if not attempt:
        return None
    return (
        SigningCode.objects.filter(
            signer=signer, attempt=attempt, used_at__isnull=True, expires_at__gt=timezone.now()
        )
        .only("attempt", "destination", "channel")
        .first()
    )


@login_required
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, public_id: str) -> HttpResponse:
    """One page: the document and its hash, the statement, the code, the signature; or a refusal."""
    signer = _signer(request, public_id)
    sig_request = signer.request
    document = sig_request.document
    user = request.user
    channels = actions.destinations(user)
    my_turn = actions.current_signer(sig_request) == signer
    action = request.POST.get("action") if request.method == "POST" else None
    send_form = SendCodeForm(request.POST if action == "send" else None, channels=channels)
    attempt_id = request.POST.get("attempt") or request.GET.get("attempt", "")
    sign_form = SignForm(request.POST if action == "sign" else None, initial={"attempt": attempt_id})
    decline_form = DeclineForm(request.POST if action == "decline" else None)
    here = reverse("signing:sign", args=[document.public_id])
    now = timezone.now()

    if action and not my_turn:
        messages.error(request, _("This document does not await your signature now."))
        return HttpResponseRedirect(here)
    if action == "send" and send_form.is_valid():
        if not ratelimit.consume(request, action="signing_code", user=user):
            messages.error(request, _("Too many requests. Wait a minute and try again."))
            return HttpResponseRedirect(here)
        try:
            code = actions.send_signing_code(
                actor=user, signer=signer, channel=send_form.cleaned_data["channel"], now=now, request=request
            )
        except ValidationError as error:
            send_form.add_error(None, error)
        else:
            messages.info(
                request, _("We sent a code to %(to)s. It is valid for 10 minutes.") % {"to": code.destination}
            )
            return HttpResponseRedirect(f"{here}?attempt={code.attempt}#code")
    if action == "sign" and sign_form.is_valid():
        data = sign_form.cleaned_data
        try:
            outcome = actions.sign(
                actor=user,
                signer=signer,
                attempt=data["attempt"],
                code=data["code"],
                context=actions.request_context(request, data["time_zone"]),
                now=now,
                accept_consent=data["consent"],
            )
        except ValidationError as error:
            sign_form.add_error("consent" if "consent" in error.message_dict else None, error.messages)
        else:
            if outcome == "ok":
                messages.success(request, _("The document is signed. Thank you!"))
                return HttpResponseRedirect(here)
            sign_form.add_error("code", CODE_ERRORS[outcome])
    if action == "decline" and decline_form.is_valid():
        try:
            actions.decline(
                actor=user,
                signer=signer,
                reason=decline_form.cleaned_data["reason"],
                context=actions.request_context(request, decline_form.cleaned_data["time_zone"]),
                now=now,
            )
        except ValidationError as error:
            decline_form.add_error("reason", error.messages)
        else:
            messages.info(request, _("You declined to sign. Your manager will see your reason."))
            return HttpResponseRedirect(here)

    attempt = _open_attempt(signer, attempt_id) if my_turn else None
    name = request.viewer.contact_name or user.full_name or user.email
    return render(
        request,
        "signing/sign.html",
        {
            "signer": signer,
            "sig_request": sig_request,
            "document": document,
            "my_turn": my_turn,
            "waiting_for_others": signer.status == Signer.Status.PENDING and not my_turn,
            "channels": channels,
            "send_form": send_form,
            "sign_form": sign_form,
            "decline_form": decline_form,
            "attempt": attempt,
            "needs_consent": my_turn and not actions.has_consent(user),
            "consent_text": evidence.consent_text(),
            "statement": evidence.statement(
                name=name, title=document.title, sha256=sig_request.original_sha256
            ),
        },
    )


def _request(request: HttpRequest, public_id: str) -> SignatureRequest:
    try:
        return request_for_document(request.viewer, public_id)
    except SignatureRequest.DoesNotExist as exc:
        raise Http404 from exc


@login_required
@require_GET
def signed_file(request: HttpRequest, public_id: str) -> FileResponse | HttpResponse:
    """The sealed PDF, for whoever sees the document or signed it; its hash is checked before it leaves."""
    sig_request = _request(request, public_id)
    if sig_request.signed_file is None:
        raise Http404
    return checked_file_response(request, sig_request.signed_file, sig_request.result_sha256)


@login_required
@require_GET
def audit_log(request: HttpRequest, public_id: str) -> HttpResponse:
    """The audit log of the document's signatures as a text file."""
    sig_request = _request(request, public_id)
    return text_download(actions.audit_log_text(sig_request), f"{sig_request.signature_id}-audit-log.txt")


@login_required
@require_GET
def document_pdf(request: HttpRequest, public_id: str) -> FileResponse | HttpResponse:
    """The original PDF for its signer (a named colleague may not otherwise see the document), hash-checked."""
    signer = _signer(request, public_id)
    return checked_file_response(request, signer.request.document.file, signer.request.original_sha256)
