"""The back office of the CRM sync: connections (settings, mapping, health, "sync now"), the sync log, the
review list and the write-back outbox. Every save goes through ``sync.actions``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kabinet.core.providers.crm import CrmError, providers, registry
from kabinet.crm.custom_fields import parse_specs
from kabinet.sync import actions
from kabinet.sync.invoices import PREFIX as INVOICE_PREFIX
from kabinet.sync.models import Conflict, Connection, Link, PipelineMap, Push, Run, StageMap


def field_name(provider_id: str, setting: str) -> str:
    return f"{provider_id}__{setting}"


def settings_shown(connection: Connection | None) -> list[tuple[str, Any, Any]]:
    """Every provider's settings on the add page (no script needed to switch); the connection's own after."""
    shown = []
    for provider in providers():
        if connection is not None and connection.pk and provider.id != connection.provider:
            continue
        shown += [(field_name(provider.id, item.name), provider, item) for item in provider.config_schema]
    return shown


class ConnectionForm(forms.ModelForm):
    class Meta:
        model = Connection
        fields = (
            "name",
            "provider",
            "is_active",
            "phone_sign_in",
            "custom_fields",
            "document_fields",
            "managers",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        connection = self.instance
        try:
            self.stored = connection.config()
        except Exception:  # noqa: BLE001 - unreadable after a key change: staff type the settings again
            self.stored = {}
        self.fields["provider"] = forms.ChoiceField(
            label=_("CRM"), choices=[(p.id, str(p.label)) for p in providers()], disabled=bool(connection.pk)
        )
        for name, provider, item in settings_shown(connection):
            label = item.label if connection.pk else f"{provider.label}: {item.label}"
            if item.secret:
                stored = bool(self.stored.get(item.name))
                self.fields[name] = forms.CharField(
                    label=label,
                    required=False,
                    widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
                    help_text=_("Stored. Leave empty to keep it, type a new value to replace it.")
                    if stored
                    else item.help_text,
                )
            else:
                self.fields[name] = forms.CharField(
                    label=label,
                    required=False,
                    initial=self.stored.get(item.name, item.default),
                    help_text=item.help_text,
                )

    def clean_document_fields(self) -> Any:
        value = self.cleaned_data.get("document_fields") or []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise forms.ValidationError(
                _('Write a list of field codes, e.g. ["UF_CRM_DOCS"].'), code="invalid_document_fields"
            )
        return [v.strip() for v in value]

    def clean_custom_fields(self) -> Any:
        value = self.cleaned_data.get("custom_fields")
        parse_specs(value)  # a clear error at the field, naming the field code that is wrong
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        provider_id = cleaned.get("provider") or self.instance.provider
        if not provider_id:
            return cleaned
        provider = registry.get(provider_id)
        self.config = {
            item.name: cleaned.get(field_name(provider_id, item.name), "") for item in provider.config_schema
        }
        merged = {
            k: v
            or (
                self.stored.get(k, "")
                if any(i.secret and i.name == k for i in provider.config_schema)
                else ""
            )
            for k, v in self.config.items()
        }
        try:
            provider.clean_config(merged)
        except ValidationError as error:
            for setting, errors in error.message_dict.items():
                name = field_name(provider_id, setting)
                self.add_error(name if name in self.fields else None, errors)
        return cleaned


class PipelineMapInline(admin.TabularInline):
    model = PipelineMap
    fields = ("crm_name", "crm_id", "pipeline")
    readonly_fields = ("crm_name", "crm_id")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # rows come from the CRM ("Load pipelines")


class StageMapInline(admin.TabularInline):
    model = StageMap
    fields = ("crm_pipeline_id", "crm_name", "crm_id", "stage", "hides", "marks_paid")
    readonly_fields = ("crm_pipeline_id", "crm_name", "crm_id")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "stage":
            from kabinet.crm.models import Stage

            kwargs["queryset"] = Stage.objects.filter(pipeline__kind="order").select_related("pipeline")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    form = ConnectionForm
    list_display = ("name", "provider", "is_active", "status", "last_success_at", "lag", "last_error_short")
    list_filter = ("provider", "status", "is_active")
    search_fields = ("name",)
    readonly_fields = (
        "status",
        "cursor",
        "last_success_at",
        "lag",
        "last_error",
        "last_error_at",
        "retry_at",
        "webhook_url",
        "counts",
        "open_conflicts",
    )
    inlines = (PipelineMapInline, StageMapInline)
    actions = ("preview_import", "sync_now", "resync_everything", "load_crm_pipelines", "mirror_pipelines")

    def get_fields(self, request, obj=None):
        health = (
            [
                "status",
                "last_success_at",
                "lag",
                "counts",
                "open_conflicts",
                "last_error",
                "last_error_at",
                "retry_at",
                "cursor",
                "webhook_url",
            ]
            if obj
            else []
        )
        return [
            "name",
            "provider",
            "is_active",
            *(n for n, _p, _i in settings_shown(obj)),
            "phone_sign_in",
            "custom_fields",
            "managers",
            *health,
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        declared = {name: forms.CharField(required=False) for name, _p, _i in settings_shown(obj)}
        kwargs["form"] = type("ConnectionForm", (ConnectionForm,), declared)
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request, obj, form, change):
        actions.save_connection(actor=request.user, connection=obj, config=form.config)

    @admin.display(description=_("lag"))
    def lag(self, connection: Connection) -> str:
        from django.utils import timezone
        from django.utils.timesince import timesince

        return timesince(connection.last_success_at, timezone.now()) if connection.last_success_at else "—"

    @admin.display(description=_("last error"))
    def last_error_short(self, connection: Connection) -> str:
        return connection.last_error[:80]

    @admin.display(description=_("synced objects"))
    def counts(self, connection: Connection) -> str:
        from django.db.models import Count

        rows = connection.links.values("kind").annotate(n=Count("id")).order_by("kind")
        return ", ".join(f"{Link.Kind(r['kind']).label}: {r['n']}" for r in rows) or "—"

    @admin.display(description=_("review list"))
    def open_conflicts(self, connection: Connection) -> int:
        return connection.conflicts.filter(resolved_at=None).count()

    @admin.display(description=_("webhook address for the CRM"))
    def webhook_url(self, connection: Connection) -> str:
        source = connection.inbox_source
        return reverse("webhooks:inbox", args=[source.path_secret]) if source else "—"

    @admin.action(description=_("Preview what the next pull creates"))
    def preview_import(self, request, queryset):
        from kabinet.sync.engine import preview

        for connection in queryset:
            try:
                seen = preview(connection)
            except CrmError as error:
                self.message_user(request, f"{connection}: {error.message}", messages.ERROR)
                continue
            text = _(
                "%(name)s: %(deals)s deals read%(more)s — %(new)s new orders, %(known)s already synced, "
                "%(hidden)s hidden, %(unmapped)s at unmapped stages, %(skipped)s in pipelines not imported; "
                "up to %(contacts)s new contacts and %(companies)s new companies."
            ) % {
                "name": connection,
                "deals": seen.deals,
                "more": "+" if seen.more else "",
                "new": seen.orders_new,
                "known": seen.orders_known,
                "hidden": seen.hidden,
                "unmapped": seen.unmapped_stage,
                "skipped": seen.not_imported,
                "contacts": seen.contacts_new,
                "companies": seen.companies_new,
            }
            self.message_user(request, text, messages.INFO)

    @admin.action(description=_("Sync now"))
    def sync_now(self, request, queryset):
        for connection in queryset:
            actions.request_pull(actor=request.user, connection=connection)
        self.message_user(request, _("The sync was started."), messages.SUCCESS)

    @admin.action(description=_("Resync everything"))
    def resync_everything(self, request, queryset):
        for connection in queryset:
            actions.request_pull(actor=request.user, connection=connection, full=True)
        self.message_user(request, _("A full resync was started."), messages.SUCCESS)

    @admin.action(description=_("Load pipelines and stages from the CRM"))
    def load_crm_pipelines(self, request, queryset):
        for connection in queryset:
            try:
                actions.load_pipelines(actor=request.user, connection=connection)
            except CrmError as error:
                self.message_user(request, f"{connection}: {error.message}", messages.ERROR)

    @admin.action(description=_("Create Kabinet pipelines for unmapped CRM pipelines"))
    def mirror_pipelines(self, request, queryset):
        rows = PipelineMap.objects.filter(connection__in=queryset, pipeline=None).exclude(
            crm_id__startswith=INVOICE_PREFIX
        )
        for row in rows:
            actions.mirror_pipeline(actor=request.user, pipeline_map=row)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Run)
class RunAdmin(ReadOnly):
    list_display = (
        "started_at",
        "connection",
        "kind",
        "status",
        "pages",
        "created",
        "updated",
        "unchanged",
        "skipped",
        "error",
    )
    list_filter = ("connection", "kind", "status")
    search_fields = ("error",)
    list_select_related = ("connection",)


@admin.register(Link)
class LinkAdmin(ReadOnly):
    list_display = ("connection", "kind", "crm_id", "object_id", "deleted_in_crm", "synced_at")
    list_filter = ("connection", "kind", "deleted_in_crm")
    search_fields = ("crm_id",)
    list_select_related = ("connection",)
    actions = ("resync",)

    @admin.action(description=_("Resync from the CRM"))
    def resync(self, request, queryset):
        for row in queryset.filter(kind=Link.Kind.DEAL).select_related("connection"):
            actions.request_deal(actor=request.user, connection=row.connection, deal_id=row.crm_id)
        for row in queryset.filter(kind=Link.Kind.TICKET).select_related("connection"):
            actions.request_ticket(actor=request.user, connection=row.connection, ticket_id=row.crm_id)


@admin.register(Conflict)
class ConflictAdmin(ReadOnly):
    list_display = ("created_at", "connection", "kind", "crm_id", "reason", "candidates", "resolved_at")
    list_filter = ("connection", "kind", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("crm_id", "reason")
    list_select_related = ("connection",)
    actions = ("resolve",)

    @admin.action(description=_("Mark as resolved and fetch again"))
    def resolve(self, request, queryset):
        for conflict in queryset.filter(resolved_at=None).select_related("connection"):
            actions.resolve_conflict(actor=request.user, conflict=conflict)


@admin.register(Push)
class PushAdmin(ReadOnly):
    list_display = ("created_at", "connection", "entity", "entity_id", "status", "attempts", "last_error")
    list_filter = ("connection", "status")
    search_fields = ("entity_id", "text")
    list_select_related = ("connection",)
