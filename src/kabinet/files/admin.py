from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kabinet.files import actions
from kabinet.files.models import ClientFile
from kabinet.files.validation import check_upload


class ClientFileAddForm(forms.ModelForm):
    upload = forms.FileField(label=_("file"))

    class Meta:
        model = ClientFile
        fields = ["company", "contact", "direction"]

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        check_upload(upload)
        return upload


@admin.register(ClientFile)
class ClientFileAdmin(admin.ModelAdmin):
    list_display = [
        "original_name",
        "company",
        "contact",
        "direction",
        "content_type",
        "size",
        "created_at",
        "download",
    ]
    list_filter = ["direction", "content_type"]
    search_fields = ["original_name", "company__name", "contact__last_name"]
    list_select_related = ["company", "contact"]
    autocomplete_fields = ["company", "contact"]
    show_full_result_count = False

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ClientFileAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["upload", "company", "contact", "direction"]
        return [
            "original_name",
            "company",
            "contact",
            "direction",
            "content_type",
            "size",
            "sha256",
            "public_id",
            "download",
        ]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["content_type", "size", "sha256", "public_id", "download"]

    @admin.display(description=_("download"))
    def download(self, obj: ClientFile) -> str:
        if not obj.pk:
            return ""
        return format_html(
            '<a href="{}">{}</a>', reverse("files:staff_download", args=[obj.public_id]), _("download")
        )

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        stored = actions.store_file(
            actor=request.user,
            upload=form.cleaned_data["upload"],
            company=obj.company,
            contact=obj.contact,
            direction=obj.direction,
        )
        obj.pk = stored.pk
        obj.public_id = stored.public_id
