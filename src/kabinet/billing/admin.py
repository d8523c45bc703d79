from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kabinet.billing import actions
from kabinet.billing.models import Invoice


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "company",
        "contact",
        "amount",
        "paid_amount",
        "currency",
        "issued_on",
        "due_date",
        "status",
        "overdue",
    ]
    list_filter = ["status", "currency", ("due_date", admin.DateFieldListFilter)]
    search_fields = ["number", "company__name", "company__inn", "contact__last_name"]
    list_select_related = ["company", "contact"]
    autocomplete_fields = ["company", "contact", "order", "file"]
    readonly_fields = ["public_id", "number", "created_at", "updated_at"]
    date_hierarchy = "issued_on"
    show_full_result_count = False

    @admin.display(boolean=True, description=_("overdue"))
    def overdue(self, obj: Invoice) -> bool:
        return obj.is_overdue

    def save_model(self, request, obj, form, change):
        actions.save_invoice(actor=request.user, invoice=obj, changed_fields=form.changed_data)
