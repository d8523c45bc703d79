"""The back office of bookings: branches and their rules, services, specialists with their working plans,
blocked periods, bookings (created, moved and cancelled through the actions, so the client is told and the
history, audit and webhooks follow) and events with their seats."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kabinet.bookings import actions
from kabinet.bookings.models import (
    BlockedPeriod,
    Booking,
    Branch,
    Break,
    DateException,
    Event,
    Seat,
    Service,
    Specialist,
    WorkingHours,
)


class ThroughActions:
    """Every object and inline row is saved by ``actions.save_setup`` (validated, audited)."""

    def save_model(self, request, obj, form, change):
        actions.save_setup(actor=request.user, obj=obj, changed_fields=form.changed_data)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for obj in instances:
            actions.save_setup(actor=request.user, obj=obj, changed_fields=["inline"])
        formset.save_m2m()


@admin.register(Branch)
class BranchAdmin(ThroughActions, admin.ModelAdmin):
    list_display = ["name", "address", "time_zone", "active"]
    search_fields = ["name", "address"]
    readonly_fields = ["public_id"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name_ru",
                    "name_en",
                    "name_pl",
                    "address_ru",
                    "address_en",
                    "address_pl",
                    "time_zone",
                    "phone",
                    "active",
                    "public_id",
                ]
            },
        ),
        (
            _("Booking rules"),
            {
                "fields": [
                    "min_notice_minutes",
                    "horizon_days",
                    "cancel_deadline_hours",
                    "max_upcoming_per_client",
                    "slot_step_minutes",
                    "public_booking",
                ]
            },
        ),
        (_("Connector"), {"fields": ["source", "external_id"]}),
    ]
    show_full_result_count = False


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class BreakInline(admin.TabularInline):
    model = Break
    extra = 0


class DateExceptionInline(admin.TabularInline):
    model = DateException
    extra = 0


@admin.register(Specialist)
class SpecialistAdmin(ThroughActions, admin.ModelAdmin):
    list_display = ["name", "title", "branch", "active", "order"]
    list_filter = ["branch", "active"]
    search_fields = ["name", "title"]
    list_select_related = ["branch"]
    autocomplete_fields = ["user"]
    readonly_fields = ["public_id"]
    inlines = [WorkingHoursInline, BreakInline, DateExceptionInline]
    show_full_result_count = False


@admin.register(Service)
class ServiceAdmin(ThroughActions, admin.ModelAdmin):
    list_display = [
        "name",
        "branch",
        "duration_minutes",
        "price",
        "currency",
        "online_bookable",
        "public_booking",
        "active",
    ]
    list_filter = ["branch", "online_bookable", "public_booking", "prepayment_required", "active"]
    search_fields = ["name"]
    list_select_related = ["branch"]
    filter_horizontal = ["specialists"]
    readonly_fields = ["public_id"]
    show_full_result_count = False


@admin.register(BlockedPeriod)
class BlockedPeriodAdmin(ThroughActions, admin.ModelAdmin):
    list_display = ["branch", "specialist", "starts_at", "ends_at", "reason"]
    list_filter = ["branch"]
    search_fields = ["reason"]
    list_select_related = ["branch", "specialist"]
    show_full_result_count = False


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    """New bookings go through ``actions.book`` (the slot must be free; staff skip the minimum notice and the
    client's cap); a change of time through ``reschedule_booking``; statuses through the list's actions."""

    list_display = ["starts_at", "service", "specialist", "contact", "company", "status"]
    list_filter = ["status", "branch", ("starts_at", admin.DateFieldListFilter)]
    search_fields = ["public_id", "contact__last_name", "contact__first_name", "company__name", "external_id"]
    list_select_related = ["service", "specialist", "contact", "company"]
    autocomplete_fields = ["contact", "company"]
    date_hierarchy = "starts_at"
    show_full_result_count = False
    actions = ["cancel", "mark_attended", "mark_no_show"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["service", "specialist", "contact", "company", "starts_at", "comment"]
        return [
            "public_id",
            "service",
            "specialist",
            "contact",
            "company",
            "starts_at",
            "ends_at",
            "status",
            "comment",
            "source",
            "external_id",
            "cancelled_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["public_id", "service", "contact", "company", "ends_at", "status", "cancelled_at"]

    def save_model(self, request, obj, form, change):
        try:
            if not change:
                booked = actions.book(
                    actor=request.user,
                    contact=obj.contact,
                    company=obj.company,
                    service=obj.service,
                    specialist=obj.specialist,
                    starts_at=obj.starts_at,
                    comment=obj.comment,
                )
                obj.pk, obj.public_id = booked.pk, booked.public_id
            elif {"starts_at", "specialist"} & set(form.changed_data):
                actions.reschedule_booking(
                    actor=request.user, booking=obj, starts_at=obj.starts_at, specialist=obj.specialist
                )
            else:
                Booking.objects.filter(pk=obj.pk).update(
                    comment=obj.comment, source=obj.source, external_id=obj.external_id
                )
        except actions.BookingRefused as error:
            raise ValidationError(str(error.message)) from error

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            from django.http import HttpResponseRedirect

            return HttpResponseRedirect(request.get_full_path())

    def _each(self, request, queryset, act: Any) -> None:
        done = 0
        for booking in queryset.select_related("branch"):
            try:
                act(booking)
                done += 1
            except actions.BookingRefused as error:
                self.message_user(request, f"{booking}: {error.message}", messages.WARNING)
        self.message_user(request, _("%(count)s bookings updated.") % {"count": done})

    @admin.action(description=_("Cancel (the client is told)"))
    def cancel(self, request, queryset):
        self._each(request, queryset, lambda b: actions.cancel_booking(actor=request.user, booking=b))

    @admin.action(description=_("Mark attended"))
    def mark_attended(self, request, queryset):
        self._each(
            request, queryset, lambda b: actions.mark_attendance(actor=request.user, booking=b, attended=True)
        )

    @admin.action(description=_("Mark as no-show"))
    def mark_no_show(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda b: actions.mark_attendance(actor=request.user, booking=b, attended=False),
        )


class SeatInline(admin.TabularInline):
    model = Seat
    extra = 0
    fields = ["public_id", "contact", "company", "status", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # clients take seats in the portal; the waitlist moves through the actions


@admin.register(Event)
class EventAdmin(ThroughActions, admin.ModelAdmin):
    list_display = ["title", "branch", "starts_at", "capacity", "published", "cancelled"]
    list_filter = ["branch", "published", "cancelled"]
    search_fields = ["title"]
    list_select_related = ["branch"]
    readonly_fields = ["public_id"]
    date_hierarchy = "starts_at"
    inlines = [SeatInline]
    show_full_result_count = False
