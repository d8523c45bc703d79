from allauth.usersessions.admin import UserSessionAdmin as AllauthUserSessionAdmin
from allauth.usersessions.models import UserSession
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.forms import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from kabinet.accounts import actions
from kabinet.accounts.models import ConsentAcceptance, ConsentText, Invitation, SignInSettings, User


class UserCreateForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "is_staff")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserCreateForm
    form = UserEditForm
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "language", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "language", "groups"]
    search_fields = ["email", "full_name", "phone"]
    readonly_fields = ["public_id", "last_login", "date_joined", "phone_verified_at"]
    fieldsets = [
        (None, {"fields": ["email", "password", "public_id"]}),
        (_("Person"), {"fields": ["full_name", "language", "phone", "phone_verified_at"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "full_name", "is_staff", "usable_password", "password1", "password2"],
            },
        ),
    ]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        # A new account goes through the action (audit, the email identity its owner proves at first sign-in).
        created = actions.create_account(
            actor=request.user,
            email=obj.email,
            password=None,
            password_hash=obj.password,
            full_name=obj.full_name,
            is_staff=obj.is_staff,
        )
        obj.pk = created.pk
        obj.refresh_from_db()  # the admin goes on with the saved account (its groups, the "added" message)
        return None


class ConsentTextFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        self.instance._kabinet_consent_changed = any(form.has_changed() for form in self.forms) or bool(
            self.deleted_forms
        )


class ConsentTextInline(admin.StackedInline):
    model = ConsentText
    formset = ConsentTextFormSet
    extra = 0
    fields = ["language", "text"]


@admin.register(SignInSettings)
class SignInSettingsAdmin(admin.ModelAdmin):
    """The one row of sign-in settings; the consent text per language is edited inline."""

    inlines = [ConsentTextInline]
    fields = [
        "registration_mode",
        "idle_timeout_minutes",
        "absolute_lifetime_hours",
        "consent_version",
        "updated_at",
    ]
    readonly_fields = ["consent_version", "updated_at"]
    list_display = [
        "__str__",
        "registration_mode",
        "idle_timeout_minutes",
        "absolute_lifetime_hours",
        "consent_version",
    ]

    def has_add_permission(self, request):
        return not SignInSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        self._form_changed = list(form.changed_data)

    def save_related(self, request, form, formsets, change):
        policy = form.instance
        consent_changed = bool(getattr(policy, "_kabinet_consent_changed", False))
        actions.save_sign_in_settings(
            actor=request.user,
            policy=policy,
            changed_fields=getattr(self, "_form_changed", []),
            consent_changed=consent_changed,
            request=request,
        )
        super().save_related(request, form, formsets, change)


@admin.register(ConsentAcceptance)
class ConsentAcceptanceAdmin(admin.ModelAdmin):
    list_display = ["accepted_at", "user", "version", "language", "ip_address"]
    list_filter = ["version", "language"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    readonly_fields = [f.name for f in ConsentAcceptance._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "full_name",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
        "invited_by",
    ]
    list_filter = [("accepted_at", admin.EmptyFieldListFilter), ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "full_name", "contact_public_id"]
    list_select_related = ["invited_by"]
    readonly_fields = [
        "public_id",
        "email",
        "full_name",
        "contact_public_id",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_user",
        "revoked_at",
    ]
    fields = readonly_fields
    actions = ["revoke"]
    show_full_result_count = False

    def has_add_permission(
        self, request
    ):  # invitations start from the contacts list ("Invite to the portal")
        return False

    @admin.action(description=_("Revoke the selected invitations"))
    def revoke(self, request, queryset):
        for invitation in queryset:
            actions.revoke_invitation(actor=request.user, invitation=invitation, request=request)
        self.message_user(request, _("The invitations were revoked."), messages.SUCCESS)


admin.site.unregister(UserSession)


@admin.register(UserSession)
class UserSessionAdmin(AllauthUserSessionAdmin):
    search_fields = ["user__email", "ip"]
    list_select_related = ["user"]
