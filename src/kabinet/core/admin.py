from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kabinet.core.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "event", "actor", "target_type", "target_id", "ip_address"]
    list_filter = ["event", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["event", "target_id", "actor__email", "ip_address"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request):  # append-only
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.site_header = _("Kabinet back office")
admin.site.site_title = _("Kabinet")
admin.site.index_title = _("Clients, orders and service")
