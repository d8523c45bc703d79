"""Back office: payments (read-only, with refunds), and the payment settings (partial payments, the paid
stage, the payee's bank details for transfers and their QR code)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

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
        return [path("import-statement/", view, name="payments_import_statement"), *super().get_urls()]

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
