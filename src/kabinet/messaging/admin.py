from __future__ import annotations

from django.contrib import admin

from kabinet.messaging import actions
from kabinet.messaging.models import Conversation, QuickReply


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    """Read and assign in the back office; the conversation itself is answered in the staff inbox."""

    list_display = ["contact", "company", "assigned_to", "last_message_at", "staff_unread", "client_unread"]
    list_select_related = ["contact", "company", "assigned_to"]
    search_fields = ["contact__last_name", "contact__first_name", "company__name"]
    fields = ["contact", "company", "assigned_to", "last_message_at", "last_message_preview"]
    readonly_fields = ["contact", "company", "last_message_at", "last_message_preview"]
    show_full_result_count = False

    def has_add_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        stored = Conversation.objects.get(pk=obj.pk)
        actions.assign_conversation(actor=request.user, conversation=stored, assignee=obj.assigned_to)


@admin.register(QuickReply)
class QuickReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "position", "is_active"]
    list_editable = ["position", "is_active"]
    search_fields = ["title", "body"]
