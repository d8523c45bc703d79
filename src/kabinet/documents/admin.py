from django.contrib import admin

from kabinet.documents import actions
from kabinet.documents.models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "number", "date", "status", "company", "contact", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "number", "company__name", "contact__last_name"]
    list_select_related = ["company", "contact"]
    autocomplete_fields = ["company", "contact", "order", "file"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        actions.save_document(actor=request.user, document=obj, changed_fields=form.changed_data)
