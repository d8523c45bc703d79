"""Back office: ask for signatures (through the action), read requests and the evidence (never edit it),
install the organisation's certificate."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kabinet.accounts.models import User
from kabinet.crm.models import Contact
from kabinet.documents.models import Document
from kabinet.signing import actions
from kabinet.signing.models import OrganisationCertificate, SignatureRequest, Signer, SigningEvent


class RequestSignatureForm(forms.ModelForm):
    client_contact = forms.ModelChoiceField(
        Contact.objects.all(), required=False, label=_("Client signer (a named person)")
    )
    any_company_admin = forms.BooleanField(required=False, label=_("or any admin of the client's company"))
    staff_user = forms.ModelChoiceField(
        User.objects.filter(is_staff=True, is_active=True), required=False, label=_("Our signer (staff)")
    )
    staff_first = forms.BooleanField(required=False, label=_("Our signer signs before the client"))

    class Meta:
        model = SignatureRequest
        fields = ["document", "deadline"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = Document.objects.exclude(status=Document.Status.DRAFT).filter(
            signature_request__isnull=True, file__isnull=False
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("document") is not None:
            actions.validate_request(
                document=cleaned["document"],
                client_contact=cleaned.get("client_contact"),
                any_company_admin=cleaned.get("any_company_admin", False),
                staff_user=cleaned.get("staff_user"),
            )
        return cleaned


class SignerInline(admin.TabularInline):
    model = Signer
    extra = 0
    can_delete = False
    fields = [
        "position",
        "side",
        "contact",
        "any_company_admin",
        "staff_user",
        "status",
        "acted_at",
        "decline_reason",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SignatureRequest)
class SignatureRequestAdmin(admin.ModelAdmin):
    list_display = ["signature_id", "document", "company", "status", "deadline", "created_at"]
    list_filter = ["status"]
    search_fields = ["signature_id", "document__title", "company__name"]
    list_select_related = ["document", "company"]
    show_full_result_count = False
    inlines = [SignerInline]
    readonly_fields = [
        "signature_id",
        "document",
        "company",
        "contact",
        "requested_by",
        "deadline",
        "status",
        "original_sha256",
        "result_sha256",
        "signed_file",
        "timestamp_status",
        "timestamped_at",
        "timestamp_authority",
        "timestamp_attempts",
        "unstamped_sha256",
        "completed_at",
        "created_at",
    ]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = RequestSignatureForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return [
                "document",
                "client_contact",
                "any_company_admin",
                "staff_user",
                "staff_first",
                "deadline",
            ]
        return self.readonly_fields

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        created = actions.request_signature(
            actor=request.user,
            document=data["document"],
            client_contact=data.get("client_contact"),
            any_company_admin=data.get("any_company_admin", False),
            staff_user=data.get("staff_user"),
            staff_first=data.get("staff_first", False),
            deadline=data.get("deadline"),
        )
        obj.pk = created.pk
        obj.public_id = created.public_id

    def save_related(self, request, form, formsets, change):
        pass  # the signers are written by the action


@admin.register(SigningEvent)
class SigningEventAdmin(admin.ModelAdmin):
    """Evidence is read-only for everybody, the superuser included."""

    list_display = ["occurred_at", "kind", "signer_name", "company_name", "channel", "request"]
    list_filter = ["kind", "channel"]
    list_select_related = ["request"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CertificateForm(forms.ModelForm):
    upload = forms.FileField(label=_("PKCS#12 file (.p12, .pfx)"))
    password = forms.CharField(label=_("Password of the file"), required=False, widget=forms.PasswordInput)

    class Meta:
        model = OrganisationCertificate
        fields = ["label"]

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        if upload is not None:
            if upload.size > 1024 * 1024:
                raise ValidationError({"upload": _("The file is larger than 1 MB.")})
            cleaned["pkcs12_data"] = upload.read()
            from kabinet.signing.certificate import CertificateError, read_pkcs12

            try:
                read_pkcs12(cleaned["pkcs12_data"], (cleaned.get("password") or "").encode())
            except CertificateError:
                raise ValidationError(
                    {
                        "upload": _(
                            "This is not a PKCS#12 file with a key and a certificate, or the password is wrong."
                        )
                    }
                ) from None
        return cleaned


@admin.register(OrganisationCertificate)
class OrganisationCertificateAdmin(admin.ModelAdmin):
    list_display = ["label", "subject", "not_after", "active", "created_at"]
    show_full_result_count = False

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = CertificateForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return (
            ["label", "upload", "password"]
            if obj is None
            else ["label", "subject", "not_after", "active", "created_at"]
        )

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["label", "subject", "not_after", "active", "created_at"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        installed = actions.install_certificate(
            actor=request.user,
            label=data["label"],
            pkcs12_data=data["pkcs12_data"],
            password=data.get("password") or "",
        )
        obj.pk = installed.pk
