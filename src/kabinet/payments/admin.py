"""Back office: payments (read-only, with refunds), and the payment settings (partial payments, the paid
stage, the payee's bank details for transfers and their QR code)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from kabinet.payments import actions
from kabinet.payments.models import LedgerEntry, Payment, PaymentSettings


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
    actions = ["refund"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

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
