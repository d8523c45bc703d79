"""The client's way to pay: the pay page of an invoice, the page he returns to, and the sandbox's payment page."""

from __future__ import annotations

import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kabinet.billing.models import Invoice
from kabinet.billing.selectors import invoice_for_viewer
from kabinet.core.providers import payments as gateway
from kabinet.payments.actions import PaymentRefused, payable, start_payment
from kabinet.payments.forms import PayForm, SandboxForm
from kabinet.payments.models import Payment, PaymentSettings
from kabinet.payments.selectors import payment_for_viewer, sandbox_payment_for_viewer
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
    left = payable(invoice)
    form = PayForm(request.POST if request.method == "POST" else None, initial={"amount": left})
    if request.method == "POST" and left and form.is_valid():
        try:
            payment = start_payment(
                actor=request.user,
                invoice=invoice,
                amount=form.cleaned_data["amount"] if options.allow_partial else None,
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
    return render(
        request,
        "payments/pay.html",
        {"invoice": invoice, "left": left, "form": form, "partial": options.allow_partial},
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
