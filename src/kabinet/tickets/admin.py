from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kabinet.tickets import actions
from kabinet.tickets.models import Ticket, TicketMessage


class TicketMessageInline(admin.StackedInline):
    model = TicketMessage
    extra = 1
    fields = ["body", "is_internal", "author_user", "created_at"]
    readonly_fields = ["author_user", "created_at"]

    def has_change_permission(self, request, obj=None):
        return False  # the conversation is append-only


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "subject",
        "company",
        "contact",
        "stage",
        "priority",
        "owner",
        "last_activity_at",
    ]
    list_filter = ["pipeline", "stage", "priority", "source", "owner"]
    search_fields = ["number", "subject", "company__name", "contact__last_name", "contact__emails__email"]
    list_select_related = ["company", "contact", "stage", "owner"]
    autocomplete_fields = ["company", "contact", "owner"]
    readonly_fields = ["public_id", "number", "last_activity_at", "closed_at", "created_at"]
    inlines = [TicketMessageInline]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        if not change:
            created = actions.create_ticket(
                actor=request.user,
                subject=obj.subject,
                body=_("(raised by staff)"),
                company=obj.company,
                contact=obj.contact,
                source=obj.source,
                priority=obj.priority,
                category=obj.category,
                owner=obj.owner,
                stage=obj.stage,
            )
            obj.pk, obj.public_id, obj.number = created.pk, created.public_id, created.number
            obj._state.adding = False
            return
        new_stage = obj.stage
        obj.stage_id = Ticket.objects.values_list("stage_id", flat=True).get(pk=obj.pk)
        obj.save()
        actions.change_ticket_stage(actor=request.user, ticket=obj, stage=new_stage)

    def save_formset(self, request, form, formset, change):
        for message in formset.save(commit=False):
            if message.pk is None and message.body.strip():
                actions.add_ticket_message(
                    actor=request.user,
                    ticket=form.instance,
                    body=message.body,
                    is_internal=message.is_internal,
                )
