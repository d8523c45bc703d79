"""The client's way to pay: the pay page of an invoice, the page he returns to, and the sandbox's payment page."""

from __future__ import annotations

import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kabinet.billing.models import Invoice
from kabinet.billing.selectors import invoice_for_viewer
from kabinet.core.pagination import page_of
from kabinet.core.providers import payments as gateway
from kabinet.payments.actions import (
    PaymentRefused,
    partial_rule,
    payable,
    redeem,
    redeemable,
    start_payment,
)
from kabinet.payments.forms import PayForm, RedeemForm, SandboxForm
from kabinet.payments.models import Payment, PaymentSettings
from kabinet.payments.qr import gost_string, purpose_of, qr_svg
from kabinet.payments.selectors import (
    account_entries_visible_to,
    account_summary,
    payment_for_viewer,
    sandbox_payment_for_viewer,
)
from kabinet.payments.sync import sync_payment


@login_required
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, public_id: str) -> HttpResponse:
    """GET: what is left to pay and the button; POST: start the payment and go to the provider's page."""
    try:
        invoice = invoice_for_viewer(request.viewer, public_id)
    except Invoice.DoesNotExist as exc:
        raise Http404 from exc
    options = PaymentSettings.current()
    partial, minimum = partial_rule(invoice, options)
    left = payable(invoice)
    form = PayForm(request.POST if request.method == "POST" else None, initial={"amount": left})
    if request.method == "POST" and left and form.is_valid():
        try:
            payment = start_payment(
                actor=request.user,
                invoice=invoice,
                amount=form.cleaned_data["amount"] if partial else None,
                return_url=lambda pid: request.build_absolute_uri(reverse("payments:return", args=[pid])),
                customer_email=request.user.email,
            )
        except PaymentRefused as refusal:
            if refusal.field:
                form.add_error(refusal.field, str(refusal.message))
            else:
                messages.error(request, str(refusal.message))
        else:
            return HttpResponseRedirect(payment.confirmation_url)
    spend = redeemable(invoice, options) if left and options.max_redeem_share > 0 else 0
    summary = account_summary(request.viewer, now=timezone.now()) if spend else None
    return render(
        request,
        "payments/pay.html",
        {
            "invoice": invoice,
            "left": left,
            "form": form,
            "partial": partial and left > minimum,
            "minimum": min(minimum, left),
            "spend": spend,
            "summary": summary,
            "redeem_form": RedeemForm(initial={"amount": spend}),
        },
        status=200 if request.method == "GET" or not form.errors else 400,
    )


@login_required
@require_GET
def returned(request: HttpRequest, public_id: str) -> HttpResponse:
    """Where the provider sends the payer back. It shows what the provider's API says, never what the address
    says: a payment still open is re-fetched once, then the invoice page tells the outcome."""
    try:
        payment = payment_for_viewer(request.viewer, public_id)
    except Payment.DoesNotExist as exc:
        raise Http404 from exc
    if (
        payment.status in (Payment.Status.PENDING, Payment.Status.WAITING_FOR_CAPTURE)
        and payment.provider_payment_id
    ):
        # The provider slow to answer is no error here: its notification will settle the payment.
        with contextlib.suppress(RuntimeError):
            sync_payment(payment.provider, payment.provider_payment_id)
        payment.refresh_from_db(fields=["status"])
    if payment.status == Payment.Status.SUCCEEDED:
        messages.success(request, _("Thank you! The payment has been received."))
    elif payment.status == Payment.Status.CANCELED:
        messages.error(request, _("The payment did not go through. No money was taken; you can try again."))
    else:
        messages.info(request, _("We are waiting for the payment service to confirm the payment."))
    return HttpResponseRedirect(reverse("billing:invoice", args=[payment.invoice.public_id]))


@login_required
@require_http_methods(["GET", "POST"])
def sandbox(request: HttpRequest, payment_id: str) -> HttpResponse:
    """The offline sandbox provider's payment page: pay, decline, or go back without paying."""
    try:
        payment = sandbox_payment_for_viewer(request.viewer, payment_id)
    except Payment.DoesNotExist as exc:
        raise Http404 from exc
    back = reverse("payments:return", args=[payment.public_id])
    if request.method == "POST":
        form = SandboxForm(request.POST)
        if form.is_valid() and gateway.settle_offline("sandbox", payment_id, form.cleaned_data["outcome"]):
            # The sandbox "notifies" Kabinet as a real provider would; Kabinet then re-fetches the payment.
            with contextlib.suppress(RuntimeError):
                gateway.payment_changed("sandbox", payment_id)
            return HttpResponseRedirect(back)
        messages.error(request, _("This payment can no longer be changed."))
    return render(request, "payments/sandbox.html", {"payment": payment, "back": back})


@login_required
@require_POST
def redeem_view(request: HttpRequest, public_id: str) -> HttpResponse:
    """Pay part of an invoice with bonus points or the prepaid balance (up to the share staff allow)."""
    try:
        invoice = invoice_for_viewer(request.viewer, public_id)
    except Invoice.DoesNotExist as exc:
        raise Http404 from exc
    form = RedeemForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter how much to pay with points or balance."))
        return HttpResponseRedirect(reverse("payments:pay", args=[invoice.public_id]))
    try:
        redeem(
            actor=request.user,
            viewer=request.viewer,
            invoice=invoice,
            method=form.cleaned_data["method"],
            amount=form.cleaned_data["amount"],
        )
    except PaymentRefused as refusal:
        messages.error(request, str(refusal.message))
        return HttpResponseRedirect(reverse("payments:pay", args=[invoice.public_id]))
    messages.success(request, _("Paid with points or balance. Thank you!"))
    return HttpResponseRedirect(reverse("billing:invoice", args=[invoice.public_id]))


@login_required
@require_GET
def slip(request: HttpRequest, public_id: str) -> HttpResponse:
    """The printable payment slip of an open invoice: the payee's bank details, the purpose, what is left to
    pay and the GOST R 56042 QR code, to pay by bank transfer (404 while staff entered no bank details).

    The invoice PDF carries the same slip on a page of its own (``payments/pdf.py``); this page is the one to
    print from the browser or to scan from the screen."""
    try:
        invoice = invoice_for_viewer(request.viewer, public_id)
    except Invoice.DoesNotExist as exc:
        raise Http404 from exc
    options = PaymentSettings.current()
    left = payable(invoice)
    payload = gost_string(options, invoice, left) if left else None
    if payload is None:
        raise Http404
    return render(
        request,
        "payments/slip.html",
        {
            "invoice": invoice,
            "payee": options,
            "left": left,
            "purpose": purpose_of(invoice),
            "qr": qr_svg(payload, title=f"QR {invoice.number}"),
        },
    )


ENTRIES_PER_PAGE = 20


@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    """The client's prepaid balance and bonus points: what is usable, pending, expiring, and every entry."""
    if not request.viewer.is_client:
        raise Http404
    summary = account_summary(request.viewer, now=timezone.now())
    entries = account_entries_visible_to(request.viewer).order_by("-created_at", "-id")
    page = page_of(entries, ENTRIES_PER_PAGE, request.GET.get("page"))
    return render(
        request,
        "payments/account.html",
        {"summary": summary, "page": page, "entries": page.object_list, "query": ""},
    )
