from __future__ import annotations

from django.contrib import admin

from kabinet.notifications.models import Delivery, Notification, Preference, PushSubscription


class ReadOnlyAdmin(admin.ModelAdmin):
    """Notifications are written by the delivery machinery only; staff look, they do not edit."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    fields = ["channel", "batch", "status", "attempts", "provider_ref", "error", "updated_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["event", "contact", "company", "count", "last_at", "read_at", "outside_due_at"]
    list_filter = ["event"]
    search_fields = ["contact__last_name", "contact__first_name", "subject_public_id"]
    list_select_related = ["contact", "company"]
    inlines = [DeliveryInline]
    show_full_result_count = False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """Failed deliveries are visible to staff here (status filter)."""

    list_display = ["notification", "channel", "status", "attempts", "error", "updated_at"]
    list_filter = ["status", "channel"]
    list_select_related = ["notification"]
    show_full_result_count = False


@admin.register(Preference)
class PreferenceAdmin(ReadOnlyAdmin):
    list_display = ["contact", "event", "channel", "enabled"]
    list_filter = ["event", "channel", "enabled"]
    list_select_related = ["contact"]


@admin.register(PushSubscription)
class PushSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["contact", "user_agent", "created_at", "last_success_at", "failures"]
    list_select_related = ["contact"]
