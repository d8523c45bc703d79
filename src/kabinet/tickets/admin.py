"""Back office for tickets: the portal settings (one row, with a rule per pipeline), categories, the
inbound-mail log, and the tickets themselves (agents work in /staff/tickets/; every save goes through the
actions)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kabinet.core.i18n import columns
from kabinet.tickets import actions
from kabinet.tickets.inbound import parse_rfc822
from kabinet.tickets.models import (
    InboundMail,
    PipelineRule,
    Ticket,
    TicketCategory,
    TicketEmail,
    TicketMessage,
    TicketSettings,
)


class TicketMessageInline(admin.StackedInline):
    model = TicketMessage
    extra = 1
    fields = ["body", "is_internal", "author_user", "author_contact", "source", "created_at"]
    readonly_fields = ["author_user", "author_contact", "source", "created_at"]

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
        "rating",
    ]
    list_filter = ["pipeline", "stage", "priority", "source", "category", "owner", "rating"]
    search_fields = ["number", "subject", "company__name", "contact__last_name", "contact__emails__email"]
    list_select_related = ["company", "contact", "stage", "owner"]
    autocomplete_fields = ["company", "contact", "owner"]
    readonly_fields = [
        "public_id",
        "number",
        "last_activity_at",
        "closed_at",
        "created_at",
        "rating",
        "rating_comment",
        "rated_at",
        "workspace",
    ]
    exclude = ["cc"]
    inlines = [TicketMessageInline]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        fixed = list(self.readonly_fields)
        if obj is not None:  # after creation, properties change through their actions only
            fixed += ["subject", "company", "contact", "pipeline", "source"]
        return fixed

    @admin.display(description=_("agents' workspace"))
    def workspace(self, obj: Ticket) -> str:
        if not obj.pk:
            return ""
        return format_html(
            '<a href="{}">{}</a>', reverse("tickets_staff:detail", args=[obj.public_id]), _("open")
        )

    def save_model(self, request, obj, form, change):
        if not change:
            created = actions.create_ticket(
                actor=request.user,
                subject=obj.subject,
                body=str(_("(raised by staff)")),
                company=obj.company,
                contact=obj.contact,
                source=Ticket.Source.STAFF,
                priority=obj.priority,
                category=obj.category,
                owner=obj.owner,
                stage=obj.stage,
            )
            obj.pk, obj.public_id, obj.number = created.pk, created.public_id, created.number
            return
        current = Ticket.objects.get(pk=obj.pk)
        actions.assign_ticket(actor=request.user, ticket=current, owner=obj.owner)
        actions.change_ticket_priority(actor=request.user, ticket=current, priority=obj.priority)
        actions.change_ticket_category(actor=request.user, ticket=current, category=obj.category)
        actions.change_ticket_stage(actor=request.user, ticket=current, stage=obj.stage)

    def save_formset(self, request, form, formset, change):
        ticket = Ticket.objects.get(pk=form.instance.pk)
        for message in formset.save(commit=False):
            if message.pk is None and message.body.strip():
                actions.add_ticket_message(
                    actor=request.user,
                    ticket=ticket,
                    body=message.body,
                    is_internal=message.is_internal,
                )


@admin.register(TicketCategory)
class TicketCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "is_active"]
    list_editable = ["position", "is_active"]
    search_fields = columns("name")
    fields = [tuple(columns("name")), "position", "is_active"]  # every language side by side

    def save_model(self, request, obj, form, change):
        actions.save_ticket_category(actor=request.user, category=obj)

    def delete_model(self, request, obj):
        actions.delete_ticket_category(actor=request.user, category=obj)

    def delete_queryset(self, request, queryset):
        for category in queryset:
            actions.delete_ticket_category(actor=request.user, category=category)


class PipelineRuleInline(admin.TabularInline):
    model = PipelineRule
    extra = 0
    fields = ["pipeline", "close_stage", "reopen_stage"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ("close_stage", "reopen_stage"):
            kwargs["queryset"] = db_field.related_model.objects.filter(
                pipeline__kind="ticket"
            ).select_related("pipeline")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class TicketSettingsForm(forms.ModelForm):
    sources = forms.MultipleChoiceField(
        label=_("only these sources"),
        choices=Ticket.Source.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only tickets that came through these channels appear. None chosen: all channels."),
    )
    priorities = forms.MultipleChoiceField(
        label=_("only these priorities"),
        choices=Ticket.Priority.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only tickets of these priorities appear. None chosen: all priorities."),
    )

    class Meta:
        model = TicketSettings
        fields = [
            *columns("label"),
            "pipelines",
            "categories",
            "sources",
            "priorities",
            "visibility",
            "clients_can_reply_to_closed",
            "clients_can_close",
            "ratings_enabled",
            "portal_pipeline",
            "max_attachments",
            "status_display",
        ]


@admin.register(TicketSettings)
class TicketSettingsAdmin(admin.ModelAdmin):
    form = TicketSettingsForm
    inlines = [PipelineRuleInline]
    filter_horizontal = ["pipelines", "categories"]
    fieldsets = [
        (None, {"fields": [tuple(columns("label"))]}),
        (
            _("Which tickets appear in the portal"),
            {"fields": ["pipelines", "categories", "sources", "priorities"]},
        ),
        (_("Who sees what"), {"fields": ["visibility"]}),
        (
            _("What clients may do"),
            {"fields": ["clients_can_reply_to_closed", "clients_can_close", "ratings_enabled"]},
        ),
        (
            _("New tickets and status"),
            {"fields": ["portal_pipeline", "max_attachments", "status_display"]},
        ),
    ]

    def has_add_permission(self, request):
        return not TicketSettings.objects.exists()  # one row

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        actions.save_ticket_settings(actor=request.user, settings_row=obj, changed_fields=form.changed_data)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        actions.ticket_settings_changed(actor=request.user)


class InboundMailAddForm(forms.ModelForm):
    raw = forms.CharField(
        label=_("raw email"),
        widget=forms.Textarea(attrs={"rows": 20, "cols": 100}),
        help_text=_("Paste a whole email (headers and body) to hand it to the inbound handler."),
    )

    class Meta:
        model = InboundMail
        fields: list[str] = []


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    """The log of received email; "add" hands a pasted raw email to the same handler as the mailbox."""

    list_display = ["created_at", "sender", "subject", "status", "ticket"]
    list_filter = ["status"]
    search_fields = ["sender", "subject", "message_id"]
    list_select_related = ["ticket"]
    show_full_result_count = False

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = InboundMailAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["raw"] if obj is None else [f.name for f in InboundMail._meta.fields]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else [f.name for f in InboundMail._meta.fields]

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        result = actions.receive_inbound_email(mail=parse_rfc822(form.cleaned_data["raw"].encode("utf-8")))
        obj.pk = result.log_id


@admin.register(TicketEmail)
class TicketEmailAdmin(admin.ModelAdmin):
    """The ticket email outbox: what went out, what failed and why (read-only; the jobs write it)."""

    list_display = ["created_at", "ticket", "kind", "contact", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["ticket__number", "error"]
    list_select_related = ["ticket", "contact"]
    show_full_result_count = False
    readonly_fields = [f.name for f in TicketEmail._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
