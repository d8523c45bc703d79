"""Back office for the portal settings (one row) and the glossary. Saves go through ``portal.actions``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kabinet.core.i18n import columns, language_codes
from kabinet.core.registry import nav_items
from kabinet.portal import actions
from kabinet.portal.config import order_words, snapshot, stored_labels
from kabinet.portal.context_processors import HOME_KEY
from kabinet.portal.glossary import BUILT_IN
from kabinet.portal.models import GlossaryTerm, PortalSettings

EXTRA_LINKS = 3


class PortalSettingsForm(forms.ModelForm):
    """The settings row, with the images as checked uploads and the menu as one row of fields per entry."""

    logo_upload = forms.FileField(label=_("new logo"), required=False, help_text=_("PNG, JPEG, WebP or GIF."))
    remove_logo = forms.BooleanField(label=_("remove the logo"), required=False)
    favicon_upload = forms.FileField(
        label=_("new favicon"), required=False, help_text=_("A square PNG, at least 32×32 pixels.")
    )
    remove_favicon = forms.BooleanField(label=_("remove the favicon"), required=False)

    class Meta:
        model = PortalSettings
        fields = [
            *columns("title", "orders_label_plural", "orders_label_singular"),
            "brand_color",
            "brand_text_color",
            "background_color",
            "support_email",
            "support_phone",
            "orders_label",
        ]
        widgets = {
            "brand_color": forms.TextInput(attrs={"type": "color"}),
            "brand_text_color": forms.TextInput(attrs={"type": "color"}),
            "background_color": forms.TextInput(attrs={"type": "color"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        saved = {item.get("key"): item for item in (self.instance.navigation or []) if isinstance(item, dict)}
        order = [item.get("key") for item in (self.instance.navigation or []) if isinstance(item, dict)]
        self.nav_keys: list[str] = []
        for position, item in enumerate(nav_items(), start=1):
            if item.key == HOME_KEY:
                continue
            self.nav_keys.append(item.key)
            choice = saved.get(item.key, {})
            default_label = (
                order_words(snapshot(self.instance)).plural if item.key == "orders" else item.label
            )
            self.fields[f"nav_{item.key}_position"] = forms.IntegerField(
                label=_("“%(entry)s”: position") % {"entry": default_label},
                min_value=1,
                max_value=99,
                initial=(order.index(item.key) + 1) if item.key in order else position,
            )
            self._add_label_fields(
                f"nav_{item.key}", _("“%(entry)s”: own label") % {"entry": default_label}, choice.get("label")
            )
            self.fields[f"nav_{item.key}_hidden"] = forms.BooleanField(
                label=_("“%(entry)s”: hide") % {"entry": default_label},
                required=False,
                initial=bool(choice.get("hidden")),
            )
        links = [
            item for item in (self.instance.navigation or []) if isinstance(item, dict) and item.get("url")
        ]
        for n in range(1, EXTRA_LINKS + 1):
            link = links[n - 1] if n <= len(links) else {}
            self._add_label_fields(f"link_{n}", _("Link %(n)s: label") % {"n": n}, link.get("label"))
            self.fields[f"link_{n}_url"] = forms.URLField(
                label=_("Link %(n)s: address") % {"n": n},
                required=False,
                assume_scheme="https",
                initial=link.get("url", ""),
            )
            self.fields[f"link_{n}_position"] = forms.IntegerField(
                label=_("Link %(n)s: position") % {"n": n},
                min_value=1,
                max_value=99,
                initial=(order.index(link["key"]) + 1) if link.get("key") in order else 90 + n,
            )

    def _add_label_fields(self, prefix: str, label: str, saved: Any) -> None:
        """One field per language (``<prefix>_label_ru``, ``_en``, ``_pl``), shown side by side."""
        initial = stored_labels(saved)
        for code in language_codes():
            self.fields[f"{prefix}_label_{code}"] = forms.CharField(
                label=f"{label} [{code}]", required=False, max_length=40, initial=initial.get(code, "")
            )

    def _labels(self, prefix: str) -> dict[str, str]:
        values = {
            code: (self.cleaned_data.get(f"{prefix}_label_{code}") or "").strip() for code in language_codes()
        }
        return {code: text for code, text in values.items() if text}

    def clean_logo_upload(self):
        upload = self.cleaned_data.get("logo_upload")
        if upload:
            actions.check_brand_image(upload)
        return upload

    def clean_favicon_upload(self):
        upload = self.cleaned_data.get("favicon_upload")
        if upload:
            actions.check_brand_image(upload)
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        rows: list[tuple[int, int, dict[str, Any]]] = []
        for index, key in enumerate(self.nav_keys):
            position = data.get(f"nav_{key}_position") or 50
            rows.append(
                (
                    position,
                    index,
                    {
                        "key": key,
                        "label": self._labels(f"nav_{key}"),
                        "hidden": bool(data.get(f"nav_{key}_hidden")),
                    },
                )
            )
        for n in range(1, EXTRA_LINKS + 1):
            label = self._labels(f"link_{n}")
            url = data.get(f"link_{n}_url") or ""
            if bool(label) != bool(url):
                self.add_error(
                    f"link_{n}_url" if label else f"link_{n}_label",
                    ValidationError(_("A link needs both a label and an address.")),
                )
                continue
            if url and not url.startswith(("https://", "http://")):
                self.add_error(
                    f"link_{n}_url", ValidationError(_("Enter an address starting with https://."))
                )
                continue
            if url:
                rows.append(
                    (
                        data.get(f"link_{n}_position") or 90 + n,
                        1000 + n,
                        {"key": f"link-{n}", "label": label, "url": url},
                    )
                )
        rows.sort(key=lambda row: (row[0], row[1]))
        self.instance.navigation = [row[2] for row in rows]
        return data


def side_by_side(names: list[str]) -> list[str | tuple[str, ...]]:
    """Field names for a fieldset, each label's languages on one row."""
    rows: list[str | tuple[str, ...]] = []
    for name in names:
        stem, _sep, code = name.rpartition("_label_")
        if stem and code == language_codes()[0]:
            rows.append(tuple(f"{stem}_label_{other}" for other in language_codes()))
        elif not stem:
            rows.append(name)
    return rows


@admin.register(PortalSettings)
class PortalSettingsAdmin(admin.ModelAdmin):
    form = PortalSettingsForm
    list_display = ["__str__", "title", "orders_label", "updated_at"]
    readonly_fields = ["current_logo", "current_favicon"]

    def get_fieldsets(self, request, obj=None):
        form = self.get_form(request, obj)(instance=obj or PortalSettings())
        nav = side_by_side([name for name in form.fields if name.startswith("nav_")])
        links = side_by_side([name for name in form.fields if name.startswith("link_")])
        return [
            (
                _("Name and images"),
                {
                    "fields": [
                        tuple(columns("title")),  # every language side by side
                        "current_logo",
                        "logo_upload",
                        "remove_logo",
                        "current_favicon",
                        "favicon_upload",
                        "remove_favicon",
                    ]
                },
            ),
            (_("Colours"), {"fields": ["brand_color", "brand_text_color", "background_color"]}),
            (_("Support contacts"), {"fields": ["support_email", "support_phone"]}),
            (
                _("What clients call orders"),
                {
                    "fields": [
                        "orders_label",
                        tuple(columns("orders_label_plural")),
                        tuple(columns("orders_label_singular")),
                    ]
                },
            ),
            (
                _("Navigation menu"),
                {"fields": nav, "description": _("Lower positions come first. “Home” is always first.")},
            ),
            (_("Extra links in the menu"), {"fields": links}),
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["fields"] = None  # the form declares its own fields (some are built per registered entry)
        return super().get_form(request, obj, change=change, **kwargs)

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not PortalSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("current logo"))
    def current_logo(self, obj: PortalSettings) -> str:
        if not obj or not obj.logo:
            return "—"
        return format_html('<img src="{}" alt="" style="max-height:48px">', reverse("portal:logo"))

    @admin.display(description=_("current favicon"))
    def current_favicon(self, obj: PortalSettings) -> str:
        if not obj or not obj.favicon:
            return "—"
        return format_html('<img src="{}" alt="" style="max-height:32px">', reverse("portal:favicon"))

    def save_model(self, request, obj, form, change):
        actions.save_portal_settings(
            actor=request.user,
            portal_settings=obj,
            changed_fields=form.changed_data,
            logo=form.cleaned_data.get("logo_upload"),
            favicon=form.cleaned_data.get("favicon_upload"),
            remove_logo=form.cleaned_data.get("remove_logo", False),
            remove_favicon=form.cleaned_data.get("remove_favicon", False),
        )


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(admin.ModelAdmin):
    list_display = ["term", "slug", "language", "position", "is_published"]
    list_filter = ["language", "is_published"]
    search_fields = ["term", "slug", "explanation"]
    list_editable = ["position", "is_published"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "slug":
            # Staff replace a built-in explanation by writing a term with its key.
            field.help_text = format_html(
                "{} {}", field.help_text, _("Built-in keys: %(keys)s.") % {"keys": ", ".join(BUILT_IN)}
            )
        return field

    def save_model(self, request, obj, form, change):
        actions.save_glossary_term(actor=request.user, glossary_term=obj, changed_fields=form.changed_data)

    def delete_model(self, request, obj):
        actions.delete_glossary_term(actor=request.user, glossary_term=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            actions.delete_glossary_term(actor=request.user, glossary_term=obj)
