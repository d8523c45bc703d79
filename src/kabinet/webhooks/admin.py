"""Back office: webhook endpoints and their deliveries (replay, test event), incoming sources and events."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from kabinet.webhooks import actions
from kabinet.webhooks.events import EVENT_TYPES
from kabinet.webhooks.models import Delivery, InboxEvent, InboxSource, WebhookEndpoint


class EndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=[(e, e) for e in EVENT_TYPES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen sends every event."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events", "allow_private_network", "is_active"]


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = [
        "event",
        "status",
        "attempts",
        "response_code",
        "last_attempt_at",
        "next_attempt_at",
        "last_error",
    ]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["-id"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("event")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["name", "url", "is_active", "disabled_reason", "created_at"]
    readonly_fields = ["disabled_reason", "created_at"]
    inlines = [DeliveryInline]
    actions = ["send_test", "rotate"]

    def save_model(self, request, obj, form, change):
        if change:
            obj.full_clean()
            obj.save()
            return
        endpoint, secret = actions.create_endpoint(
            actor=request.user,
            name=obj.name,
            url=obj.url,
            events=form.cleaned_data["events"],
            allow_private_network=obj.allow_private_network,
        )
        obj.pk = endpoint.pk
        obj.refresh_from_db()
        self.message_user(
            request,
            _("The signing secret is %(secret)s — copy it now.") % {"secret": secret},
            messages.WARNING,
        )

    @admin.action(description=_("Send a test event"))
    def send_test(self, request, queryset):
        for endpoint in queryset:
            actions.send_test_event(actor=request.user, endpoint=endpoint)
        self.message_user(request, _("Test events queued."), messages.SUCCESS)

    @admin.action(
        description=_("Rotate the signing secret (the old one keeps signing until the next rotation)")
    )
    def rotate(self, request, queryset):
        for endpoint in queryset:
            secret = actions.rotate_secret(actor=request.user, endpoint=endpoint)
            self.message_user(
                request,
                _("New secret of %(name)s: %(secret)s — copy it now.")
                % {"name": endpoint.name, "secret": secret},
                messages.WARNING,
            )


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "event",
        "endpoint",
        "status",
        "attempts",
        "response_code",
        "last_attempt_at",
        "next_attempt_at",
    ]
    list_filter = ["status", "endpoint"]
    readonly_fields = [
        "endpoint",
        "event",
        "status",
        "attempts",
        "response_code",
        "last_error",
        "last_attempt_at",
        "next_attempt_at",
        "created_at",
    ]
    list_select_related = ["endpoint", "event"]
    show_full_result_count = False
    actions = ["replay"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Send again"))
    def replay(self, request, queryset):
        for delivery in queryset:
            actions.replay_delivery(actor=request.user, delivery=delivery)
        self.message_user(request, _("Deliveries queued again."), messages.SUCCESS)


class InboxSourceForm(forms.ModelForm):
    secret = forms.CharField(
        label=_("secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("The provider's signing secret or token; stored encrypted, never shown. Empty keeps it."),
    )

    class Meta:
        model = InboxSource
        fields = [
            "provider",
            "account",
            "verification",
            "header",
            "allowed_networks",
            "event_id_field",
            "is_active",
        ]


@admin.register(InboxSource)
class InboxSourceAdmin(admin.ModelAdmin):
    form = InboxSourceForm
    list_display = ["provider", "account", "verification", "is_active", "inbox_path"]
    readonly_fields = ["inbox_path"]

    @admin.display(description=_("address"))
    def inbox_path(self, obj):
        return f"/hooks/in/{obj.path_secret}/" if obj.path_secret else "—"

    def save_model(self, request, obj, form, change):
        actions.save_inbox_source(actor=request.user, source=obj, secret=form.cleaned_data.get("secret", ""))


@admin.register(InboxEvent)
class InboxEventAdmin(admin.ModelAdmin):
    list_display = [
        "source",
        "dedupe_key",
        "status",
        "attempts",
        "received_at",
        "processed_at",
        "next_attempt_at",
    ]
    list_filter = ["status", "source"]
    readonly_fields = [
        "source",
        "dedupe_key",
        "headers",
        "status",
        "attempts",
        "last_error",
        "received_at",
        "processed_at",
        "next_attempt_at",
    ]
    exclude = ["body"]
    list_select_related = ["source"]
    show_full_result_count = False
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Process again (dead letters included)"))
    def retry(self, request, queryset):
        for event in queryset.select_related("source"):
            actions.retry_inbox_event(actor=request.user, event=event)
        self.message_user(request, _("Events queued again."), messages.SUCCESS)
