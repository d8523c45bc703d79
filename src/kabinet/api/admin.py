"""Back office: API keys. A new key is shown once, in the confirmation message; only its hash is kept."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from kabinet.api import actions
from kabinet.api.models import READ, RESOURCES, WRITE, ApiKey

LEVELS = [("", _("no access")), (READ, _("read")), (WRITE, _("read and write"))]


class ApiKeyForm(forms.ModelForm):
    """One choice per resource instead of raw JSON: staff pick "read" or "read and write"."""

    class Meta:
        model = ApiKey
        fields = ["name", "user", "expires_at", "allowed_networks"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        scopes = self.instance.scopes or {}
        for resource in RESOURCES:
            self.fields[f"scope_{resource}"] = forms.ChoiceField(
                label=resource, choices=LEVELS, required=False, initial=scopes.get(resource, "")
            )

    def clean(self) -> dict:
        data = super().clean()
        data["scopes"] = {r: data[f"scope_{r}"] for r in RESOURCES if data.get(f"scope_{r}")}
        self.instance.scopes = data["scopes"]
        return data


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The scope choices are the form's own fields, not the model's: build the form from the model
        # fields alone and let ApiKeyForm add the choices.
        kwargs["fields"] = [*ApiKeyForm.Meta.fields]
        return super().get_form(request, obj, change=change, **kwargs)

    list_display = ["name", "prefix", "user", "expires_at", "revoked_at", "last_used_at", "last_used_ip"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "created_by", "created_at", "revoked_at", "last_used_at", "last_used_ip"]
    list_select_related = ["user"]
    show_full_result_count = False
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        return [*ApiKeyForm.Meta.fields, *[f"scope_{r}" for r in RESOURCES], *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        if change:
            obj.full_clean()
            obj.save()
            return
        issued = actions.issue_api_key(
            actor=request.user,
            name=obj.name,
            scopes=form.cleaned_data["scopes"],
            user=obj.user,
            expires_at=obj.expires_at,
            allowed_networks=obj.allowed_networks,
        )
        obj.pk = issued.api_key.pk
        obj.refresh_from_db()
        self.message_user(
            request,
            _("The key is %(key)s — copy it now: it is not shown again.") % {"key": issued.key},
            messages.WARNING,
        )

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        for api_key in queryset:
            actions.revoke_api_key(actor=request.user, api_key=api_key)
        self.message_user(request, _("Keys revoked."), messages.SUCCESS)
