"""Back office: payments (read-only, with refunds), and the payment settings (partial payments, the paid
stage, the payee's bank details for transfers and their QR code)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from kabinet.core.formats import format_money
from kabinet.payments import actions
from kabinet.payments.models import AccountEntry, LedgerEntry, Payment, PaymentSettings
from kabinet.payments.statements import StatementError

STATEMENT_MAX_BYTES = 5 * 1024 * 1024
OUTCOMES = {
    "recorded": _("Recorded as payments"),
    "known": _("Already imported"),
    "unmatched": _("No open invoice found: check by hand"),
    "not_ours": _("Not to the payee's account"),
}


class StatementForm(forms.Form):
    statement = forms.FileField(label=_("Statement file (1CClientBankExchange)"))

    def clean_statement(self) -> bytes:
        upload = self.cleaned_data["statement"]
        if upload.size > STATEMENT_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload.read()


class RefundForm(forms.Form):
    """A refund of part of a payment (or all that is left): at most what is refundable, with staff's reason.

    ``seen`` carries what was refunded when the form was shown: the same form sent twice refunds once."""

    amount = forms.DecimalField(
        label=_("Amount to refund"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)
    seen = forms.DecimalField(widget=forms.HiddenInput, max_digits=14, decimal_places=2)

    def __init__(self, *args, payment: Payment, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.payment = payment
        self.refundable = payment.amount - payment.refunded_amount
        self.fields["amount"].max_value = None
        self.fields["amount"].help_text = _("At most %(amount)s.") % {
            "amount": format_money(self.refundable, payment.currency)
        }
        self.fields["amount"].widget.attrs.update({"max": str(self.refundable), "inputmode": "decimal"})
        self.initial.setdefault("amount", self.refundable)
        self.initial.setdefault("seen", payment.refunded_amount)

    def clean_amount(self) -> Decimal:
        amount = self.cleaned_data["amount"]
        if amount > self.refundable:
            raise forms.ValidationError(
                _("At most %(amount)s can be refunded."),
                code="max_value",
                params={"amount": format_money(self.refundable, self.payment.currency)},
            )
        return amount


class LedgerInline(admin.TabularInline):
    model = LedgerEntry
    extra = 0
    can_delete = False
    fields = ["kind", "amount", "currency", "reason", "reference", "actor", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["invoice", "amount", "currency", "status", "method", "provider", "paid_at", "created_at"]
    list_filter = ["status", "provider", "method"]
    search_fields = ["invoice__number", "provider_payment_id", "public_id"]
    list_select_related = ["invoice"]
    readonly_fields = [f.name for f in Payment._meta.fields]
    inlines = [LedgerInline]
    actions = ["capture", "release", "refund"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_statement)
        refund = self.admin_site.admin_view(self.refund_view)
        return [
            path("import-statement/", view, name="payments_import_statement"),
            path("<int:object_id>/refund/", refund, name="payments_payment_refund"),
            *super().get_urls(),
        ]

    def refund_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Refund part of a payment (or the rest): the amount, at most what is refundable, and a reason;
        through ``actions.refund_payment`` as the whole refund goes (provider, ledger, invoice, points)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        try:
            payment = Payment.objects.select_related("invoice").get(pk=object_id)
        except Payment.DoesNotExist as exc:
            raise Http404 from exc
        back = reverse("admin:payments_payment_change", args=[payment.pk])
        refundable = payment.status == Payment.Status.SUCCEEDED and payment.amount > payment.refunded_amount
        form = RefundForm(request.POST or None, payment=payment) if refundable else None
        if form is not None and request.method == "POST" and form.is_valid():
            seen = form.cleaned_data["seen"]
            if seen != payment.refunded_amount:  # the form was sent before: that refund is made
                self.message_user(request, _("This refund was already made."), messages.WARNING)
                return HttpResponseRedirect(back)
            try:
                done = actions.refund_payment(
                    actor=request.user,
                    payment=payment,
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    expected_refunded=seen,
                )
            except actions.PaymentRefused as refusal:
                form.add_error("amount" if refusal.field == "amount" else None, refusal.message)
            else:
                if done.refunded_amount == seen:
                    self.message_user(request, _("This refund was already made."), messages.WARNING)
                else:
                    amount = format_money(form.cleaned_data["amount"], payment.currency)
                    self.message_user(
                        request,
                        _("%(amount)s of %(payment)s refunded.") % {"amount": amount, "payment": payment},
                    )
                return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Refund part of the payment"),
            "form": form,
            "payment": payment,
            "refunded": format_money(payment.refunded_amount, payment.currency),
            "paid": format_money(payment.amount, payment.currency),
            "opts": self.model._meta,
            "original": payment,
        }
        return TemplateResponse(
            request, "admin/payments/refund.html", context, status=400 if form and form.errors else 200
        )

    def import_statement(self, request: HttpRequest) -> HttpResponse:
        """Staff upload a 1C client-bank statement; its transfers become payments of the invoices they name."""
        if not request.user.has_perm("payments.change_payment"):
            raise PermissionDenied
        form = StatementForm(request.POST or None, request.FILES or None)
        results = []
        if request.method == "POST" and form.is_valid():
            try:
                outcome = actions.import_statement(actor=request.user, data=form.cleaned_data["statement"])
            except StatementError as error:
                form.add_error(
                    "statement", _("This is not a 1C client-bank statement: %(error)s") % {"error": error}
                )
            else:
                results = [(OUTCOMES[key], lines) for key, lines in outcome.items() if lines]
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "results": results,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/payments/import_statement.html", context)

    @admin.action(description=_("Capture the held money"), permissions=["change"])
    def capture(self, request, queryset) -> None:
        self._hold_action(request, queryset, actions.capture_payment, _("%(payment)s captured."))

    @admin.action(description=_("Cancel the held payment (give the money back)"), permissions=["change"])
    def release(self, request, queryset) -> None:
        self._hold_action(request, queryset, actions.release_payment, _("%(payment)s cancelled."))

    def _hold_action(self, request, queryset, action, done) -> None:
        for payment in queryset:
            try:
                action(actor=request.user, payment=payment)
            except actions.PaymentRefused as refusal:
                self.message_user(request, f"{payment}: {refusal.message}", messages.ERROR)
            else:
                self.message_user(request, done % {"payment": payment})

    @admin.action(description=_("Refund the whole payment"))
    def refund(self, request, queryset) -> None:
        for payment in queryset:
            try:
                actions.refund_payment(actor=request.user, payment=payment)
            except actions.PaymentRefused as refusal:
                self.message_user(request, f"{payment}: {refusal.message}", messages.ERROR)
            else:
                self.message_user(request, _("%(payment)s refunded.") % {"payment": payment})


@admin.register(PaymentSettings)
class PaymentSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "allow_partial", "two_stage", "paid_stage", "payee_name"]
    autocomplete_fields = ["paid_stage"]

    def has_add_permission(self, request) -> bool:
        return not PaymentSettings.objects.exists()

    def save_model(self, request, obj, form, change) -> None:
        actions.save_payment_settings(actor=request.user, options=obj, changed_fields=form.changed_data)


@admin.register(AccountEntry)
class AccountEntryAdmin(admin.ModelAdmin):
    """The balance and points ledger: read-only, except a manual entry with a comment (saved by the action)."""

    list_display = [
        "created_at",
        "company",
        "contact",
        "kind",
        "source",
        "amount",
        "reason",
        "expires_at",
        "actor",
    ]
    list_filter = ["kind", "source"]
    search_fields = ["company__name", "contact__last_name", "reason"]
    list_select_related = ["company", "contact", "actor"]
    autocomplete_fields = ["company", "contact"]
    fields = ["company", "contact", "kind", "amount", "reason"]
    show_full_result_count = False

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        try:
            saved = actions.adjust_account(
                actor=request.user,
                company=obj.company,
                contact=obj.contact,
                kind=obj.kind,
                amount=obj.amount,
                reason=obj.reason,
            )
        except actions.PaymentRefused as refusal:
            self.message_user(request, str(refusal.message), messages.ERROR)
            return
        obj.pk = saved.pk
