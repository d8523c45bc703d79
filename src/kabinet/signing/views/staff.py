"""The staff side: who has signed, who is pending, what is overdue; the evidence; countersigning with the
staff member's authenticator code (TOTP). Staff without ``signing.view_signaturerequest`` get 404."""

from __future__ import annotations

from functools import wraps
from typing import Any

from allauth.core import ratelimit
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kabinet.core.pagination import page_of
from kabinet.signing import actions
from kabinet.signing.forms import CountersignForm
from kabinet.signing.models import SignatureRequest, Signer
from kabinet.signing.selectors import staff_requests, staff_turns
from kabinet.signing.views.files import checked_file_response, text_download

PER_PAGE = 25


def staff_required(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.is_staff and request.user.has_perm("signing.view_signaturerequest")):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _signers() -> Prefetch:
    return Prefetch(
        "signers", queryset=Signer.objects.select_related("contact", "staff_user").order_by("position")
    )


@staff_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Every request, newest first: pending (overdue marked), signed, declined; ``?show=mine`` my turn."""
    rows = staff_requests(request.user).prefetch_related(_signers()).order_by("-created_at", "-id")
    show = request.GET.get("show", "")
    if show == "pending":
        rows = rows.filter(status=SignatureRequest.Status.PENDING)
    elif show == "mine":
        rows = staff_turns(request.user).prefetch_related(_signers()).order_by("-created_at", "-id")
    page = page_of(rows, PER_PAGE, request.GET.get("page"))
    return render(
        request,
        "signing/staff/queue.html",
        {"page": page, "requests": page.object_list, "show": show, "today": timezone.localdate()},
    )


def _request(request: HttpRequest, public_id: str) -> SignatureRequest:
    try:
        return (
            staff_requests(request.user)
            .select_related("document__file", "signed_file")
            .prefetch_related(_signers())
            .get(public_id=public_id)
        )
    except SignatureRequest.DoesNotExist as exc:
        raise Http404 from exc


@staff_required
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, public_id: str) -> HttpResponse:
    sig_request = _request(request, public_id)
    # The turn from the prefetched signers (no query): the first pending one while the request is pending.
    pending = [s for s in sig_request.signers.all() if s.status == Signer.Status.PENDING]
    current = pending[0] if pending and sig_request.status == SignatureRequest.Status.PENDING else None
    my_turn = (
        current is not None and current.side == Signer.Side.STAFF and current.staff_user_id == request.user.pk
    )
    form = CountersignForm(request.POST or None)
    if request.method == "POST" and my_turn and form.is_valid():
        totp = Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).first()
        if not ratelimit.consume(request, action="signing_countersign", user=request.user):
            form.add_error("code", _("Too many requests. Wait a minute and try again."))
        elif totp is None:
            form.add_error("code", _("Set up an authenticator app first."))
        elif not totp.wrap().validate_code(form.cleaned_data["code"]):
            form.add_error("code", _("The code is not correct. Check it and try again."))
        else:
            try:
                actions.countersign(
                    actor=request.user,
                    signer=current,
                    context=actions.request_context(request, form.cleaned_data["time_zone"]),
                    now=timezone.now(),
                )
            except ValidationError as error:
                form.add_error("code", error.messages)
            else:
                messages.success(request, _("You signed the document."))
                return HttpResponseRedirect(reverse("signing_staff:detail", args=[public_id]))
    events = list(sig_request.events.order_by("occurred_at", "id"))
    return render(
        request,
        "signing/staff/detail.html",
        {
            "sig_request": sig_request,
            "document": sig_request.document,
            "events": events,
            "my_turn": my_turn,
            "current": current,
            "form": form,
            "today": timezone.localdate(),
        },
    )


@staff_required
@require_GET
def audit_log(request: HttpRequest, public_id: str) -> HttpResponse:
    sig_request = _request(request, public_id)
    return text_download(actions.audit_log_text(sig_request), f"{sig_request.signature_id}-audit-log.txt")


@staff_required
@require_GET
def signed_file(request: HttpRequest, public_id: str) -> HttpResponse:
    sig_request = _request(request, public_id)
    if sig_request.signed_file is None:
        raise Http404
    return checked_file_response(request, sig_request.signed_file, sig_request.result_sha256)
