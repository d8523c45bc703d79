"""Back office: staff pick the provider of each kind and enter its settings; secrets are never shown again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kabinet.core.providers import get_kind, kinds
from kabinet.integrations import actions
from kabinet.integrations.models import ProviderAccount


def field_name(provider_id: str, setting: str) -> str:
    return f"{provider_id}__{setting}"


def settings_shown(account: ProviderAccount | None) -> list[tuple[str, Any, Any]]:
    """``(form field name, provider, setting)`` of what the form lists: every provider's settings when adding,
    the account's own provider's when changing."""
    shown = []
    for kind in kinds():
        for provider in kind.providers():
            if (
                account is not None
                and account.pk
                and (kind.kind, provider.id) != (account.kind, account.provider)
            ):
                continue
            shown += [(field_name(provider.id, item.name), provider, item) for item in provider.config_schema]
    return shown


class ProviderAccountForm(forms.ModelForm):
    """One select of every provider (grouped by kind) and the settings of each; only the chosen one's count.

    On the add page every provider's settings are listed, so no script is needed to switch between them; on
    the change page the provider is fixed and only its settings are shown.
    """

    choice = forms.ChoiceField(label=_("Provider"))

    class Meta:
        model = ProviderAccount
        fields = ("active",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        account = self.instance
        self.stored = account.readable_config()
        self.fields["choice"].choices = [
            (str(kind.label), [(f"{kind.kind}:{p.id}", str(p.label)) for p in kind.providers()])
            for kind in kinds()
        ]
        if account.pk:
            self.fields["choice"].initial = f"{account.kind}:{account.provider}"
            self.fields["choice"].disabled = True
        pins = [f"{kind.pin_setting}={kind.pinned()}" for kind in kinds() if kind.pinned()]
        if pins:
            self.fields["active"].help_text = _(
                "Pinned by the environment (%(pins)s): the choice here applies once the variable is removed."
            ) % {"pins": ", ".join(pins)}
        for name, provider, item in settings_shown(account):
            self.fields[name] = self.setting_field(provider, item)

    def setting_field(self, provider: Any, item: Any) -> forms.Field:
        label = f"{provider.label}: {item.label}" if not self.instance.pk else item.label
        if item.secret:
            stored = bool(self.stored.get(item.name))
            return forms.CharField(
                label=label,
                required=False,
                strip=True,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
                help_text=_("Stored. Leave empty to keep it, type a new value to replace it.")
                if stored
                else item.help_text,
            )
        return forms.CharField(
            label=label,
            required=False,
            initial=self.stored.get(item.name, item.default),
            help_text=item.help_text,
        )

    def chosen(self) -> tuple[str, str]:
        kind, _sep, provider_id = self.cleaned_data.get("choice", "").partition(":")
        return kind, provider_id

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        kind, provider_id = self.chosen()
        if not provider_id:
            return cleaned
        provider = get_kind(kind).get(provider_id)
        self.config = {
            item.name: cleaned.get(field_name(provider_id, item.name), "") for item in provider.config_schema
        }
        try:
            actions.prepare_config(kind=kind, provider_id=provider_id, config=self.config, stored=self.stored)
        except ValidationError as error:
            for setting, messages in error.message_dict.items():
                name = field_name(provider_id, setting)
                self.add_error(name if name in self.fields else None, messages)
        return cleaned


@admin.register(ProviderAccount)
class ProviderAccountAdmin(admin.ModelAdmin):
    form = ProviderAccountForm
    list_display = ("kind", "provider_label", "active", "in_use", "updated_at")
    list_filter = ("kind", "active")
    search_fields = ("kind", "provider")
    show_full_result_count = False

    def get_fields(self, request, obj=None):
        return ["choice", "active", *(name for name, _provider, _item in settings_shown(obj))]

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The settings depend on the registered providers (and on the account), so they are declared on a form
        # class made per request; the form's __init__ fills in their labels, widgets and stored values.
        declared = {name: forms.CharField(required=False) for name, _provider, _item in settings_shown(obj)}
        kwargs["form"] = type("ProviderAccountForm", (ProviderAccountForm,), declared)
        return super().get_form(request, obj, change=change, **kwargs)

    @admin.display(description=_("provider"))
    def provider_label(self, account: ProviderAccount) -> str:
        try:
            return str(get_kind(account.kind).get(account.provider).label)
        except LookupError:  # a provider whose code was removed: the row stays readable
            return account.provider

    @admin.display(description=_("sends now"), boolean=True)
    def in_use(self, account: ProviderAccount) -> bool:
        """What the facade uses: the environment's pin wins over the staff's choice."""
        try:
            pinned = get_kind(account.kind).pinned()
        except LookupError:
            return False
        return account.provider == pinned if pinned else account.active

    def save_model(self, request, obj, form, change):
        kind, provider_id = (obj.kind, obj.provider) if change else form.chosen()
        account = actions.configure_provider(
            actor=request.user,
            kind=kind,
            provider_id=provider_id,
            config=form.config,
            active=form.cleaned_data["active"],
            request=request,
        )
        # The admin redirects to and logs ``obj``: make it the row the action wrote.
        obj.pk, obj.kind, obj.provider = account.pk, account.kind, account.provider

    def delete_model(self, request, obj):
        actions.remove_provider(actor=request.user, account=obj, request=request)

    def delete_queryset(self, request, queryset):
        for account in queryset:
            actions.remove_provider(actor=request.user, account=account, request=request)
