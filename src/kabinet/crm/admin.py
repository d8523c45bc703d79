"""Back office for the CRM core. Saves go through ``crm.actions`` so history and audit are always written."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from kabinet.core.i18n import columns
from kabinet.crm import actions
from kabinet.crm.models import (
    BankAccount,
    Company,
    Contact,
    ContactEmail,
    ContactPhone,
    Membership,
    Order,
    OrderItem,
    Pipeline,
    Stage,
    TimelineEntry,
)
from kabinet.crm.selectors import address_conflicts, shared_address_contact_ids


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["contact", "company"]


class BankAccountInline(admin.StackedInline):
    model = BankAccount
    extra = 0


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "inn", "kpp", "nip", "manager", "created_at"]
    list_filter = ["country", "manager"]
    search_fields = ["name", "legal_name", "inn", "ogrn", "nip", "regon", "vat_number", "email"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    inlines = [MembershipInline, BankAccountInline]
    fieldsets = [
        (None, {"fields": ["name", "legal_name", "country", "manager", "public_id"]}),
        (_("Registration numbers"), {"fields": ["inn", "kpp", "ogrn", "nip", "regon", "vat_number"]}),
        (_("Addresses and contacts"), {"fields": ["legal_address", "postal_address", "email", "phone"]}),
        (_("Dates"), {"fields": ["created_at", "updated_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        actions.save_company(actor=request.user, company=obj, changed_fields=form.changed_data)


class ContactEmailInline(admin.TabularInline):
    model = ContactEmail
    extra = 1


class ContactPhoneInline(admin.TabularInline):
    model = ContactPhone
    extra = 1


class AddressConflictFilter(admin.SimpleListFilter):
    """Contacts sharing an email or phone with another contact: what staff sort out (M2 of issue 19)."""

    title = _("address conflicts")
    parameter_name = "conflict"

    def lookups(self, request, model_admin):
        return [("yes", _("shares an email or phone with another contact"))]

    def queryset(self, request, queryset):
        if self.value() != "yes":
            return queryset
        return queryset.filter(pk__in=shared_address_contact_ids())


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["full_name", "primary_email", "user", "manager", "created_at"]
    list_filter = ["manager", "memberships__role", AddressConflictFilter]
    search_fields = [
        "first_name",
        "last_name",
        "middle_name",
        "emails__email",
        "phones__phone",
        "companies__name",
    ]
    readonly_fields = ["public_id", "created_at", "updated_at", "conflicts"]
    autocomplete_fields = ["user", "manager"]
    inlines = [ContactEmailInline, ContactPhoneInline, MembershipInline]
    actions = ["invite_to_portal"]

    @admin.action(description=_("Invite to the portal (email with a link to set up the login)"))
    def invite_to_portal(self, request, queryset):
        from kabinet.accounts.actions import invite_contacts

        report = invite_contacts(
            actor=request.user, contact_public_ids=[c.public_id for c in queryset], request=request
        )
        if report.sent:
            self.message_user(
                request,
                _("Invitations sent: %(names)s.") % {"names": ", ".join(report.sent)},
                messages.SUCCESS,
            )
        for name, reason in report.skipped:
            self.message_user(
                request,
                _("Not invited: %(name)s (%(reason)s).") % {"name": name, "reason": reason},
                messages.WARNING,
            )

    @admin.display(description=_("address conflicts"))
    def conflicts(self, obj: Contact) -> str:
        """Other contacts with one of this contact's addresses; a verified one there signs in over there."""
        rows = address_conflicts(obj) if obj.pk else []
        if not rows:
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            '{} — <a href="{}">{}</a> ({})',
            (
                (
                    address,
                    reverse("admin:crm_contact_change", args=[other.pk]),
                    other.full_name,
                    _("confirmed there") if verified else _("not confirmed there"),
                )
                for address, other, verified in rows
            ),
        )

    @admin.display(description=_("email"))
    def primary_email(self, obj: Contact) -> str:
        return next((e.email for e in obj.emails.all() if e.is_primary), "")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "manager").prefetch_related("emails")


class StageInline(admin.StackedInline):
    model = Stage
    extra = 0
    fk_name = "pipeline"
    fields = [
        ("position", "name"),
        tuple(columns("client_name")),  # every language side by side
        tuple(columns("client_description")),
        ("kind", "color", "notify_client"),
        ("asks_client", "confirm_stage", "decline_stage"),
    ]


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ["name", "client_name", "kind", "is_default", "position"]
    list_filter = ["kind"]
    search_fields = ["name", *columns("client_name")]
    fields = [
        ("name", "kind", "is_default", "position"),
        tuple(columns("client_name")),
    ]  # languages side by side
    inlines = [StageInline]


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "client_name",
        "pipeline",
        "kind",
        "position",
        "asks_client",
        "notify_client",
        "swatch",
    ]
    list_filter = ["pipeline", "kind"]
    search_fields = ["name", *columns("client_name")]
    fields = [("pipeline", *StageInline.fields[0]), *StageInline.fields[1:]]

    @admin.display(description=_("colour"))
    def swatch(self, obj: Stage) -> str:
        return format_html(
            '<span style="display:inline-block;width:1em;height:1em;background:{}"></span>', obj.color
        )


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "title",
        "company",
        "contact",
        "stage",
        "amount",
        "currency",
        "manager",
        "created_at",
    ]
    list_filter = ["pipeline", "stage", "manager", ("created_at", admin.DateFieldListFilter)]
    search_fields = [
        "number",
        "title",
        "company__name",
        "company__inn",
        "contact__last_name",
        "contact__emails__email",
    ]
    list_select_related = ["company", "contact", "stage", "manager"]
    autocomplete_fields = ["company", "contact", "manager"]
    readonly_fields = ["public_id", "number", "stage_changed_at", "closed_at", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [OrderItemInline]
    list_per_page = 50
    show_full_result_count = False  # counting a million rows on every page helps nobody

    def save_model(self, request, obj, form, change):
        actions.save_order(actor=request.user, order=obj, changed_fields=form.changed_data)


@admin.register(TimelineEntry)
class TimelineEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "text", "company", "contact", "actor", "client_visible"]
    list_filter = ["kind", "client_visible"]
    search_fields = ["event", "company__name", "contact__last_name", "subject_public_id"]
    list_select_related = ["company", "contact", "actor"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
