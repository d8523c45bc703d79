"""Forms of the ticket pages (portal and staff). They check input for a clear error at the field; the
actions check it again, so nothing half-written ever reaches the database."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from kabinet.crm.models import Stage
from kabinet.files.validation import check_upload
from kabinet.tickets.actions import MESSAGE_MAX_LENGTH, RATING_COMMENT_MAX_LENGTH, SUBJECT_MAX_LENGTH
from kabinet.tickets.conf import active_categories, ticket_settings
from kabinet.tickets.models import Ticket


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe), each checked by size and content, and the
    count limited by the ticket settings."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        limit = ticket_settings().max_attachments
        if len(files) > limit:
            raise ValidationError(
                _("Attach at most %(limit)s files to one message."), params={"limit": limit}, code="too_many"
            )
        errors = []
        cleaned = []
        for upload in files:
            try:
                single = super().clean(upload, initial)
                check_upload(single)
            except ValidationError as error:
                errors.extend(f"{upload.name}: {message}" for message in error.messages)
                continue
            cleaned.append(single)
        if errors:
            raise ValidationError(errors)
        return cleaned


def portal_categories() -> list[tuple[int, str]]:
    """Active categories that the portal filters let through: a client never files a ticket he then cannot
    see."""
    allowed = ticket_settings().category_ids
    return [(pk, name) for pk, name in active_categories() if not allowed or pk in allowed]


def message_field(label: str | Any, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": _("Write a message."),
            "max_length": _(
                "The message is too long (%(show_value)s characters). The limit is %(limit_value)s."
            ),
        },
        **kwargs,
    )


def attachments_field() -> MultipleFileField:
    return MultipleFileField(
        label=_("Attach files"),
        help_text=_("PDF, images, office documents, text or ZIP; several files at once."),
    )


class NewTicketForm(forms.Form):
    subject = forms.CharField(
        label=_("Subject"),
        max_length=SUBJECT_MAX_LENGTH,
        error_messages={"required": _("Enter a subject.")},
    )
    category = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int, empty_value=None)
    body = message_field(_("Describe your question"))
    attachments = attachments_field()
    cc = forms.CharField(
        label=_("Copy colleagues (optional)"),
        required=False,
        max_length=500,
        help_text=_(
            "Emails of colleagues from your company, separated by commas: "
            "they will see the request and get the answers."
        ),
    )

    def __init__(self, *args: Any, with_cc: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        categories = portal_categories()
        if categories:
            self.fields["category"].choices = [("", _("— choose —")), *categories]
        else:
            del self.fields["category"]
        if not with_cc:
            del self.fields["cc"]

    def clean_cc(self) -> list[str]:
        emails = [
            e.strip().lower()
            for e in self.cleaned_data.get("cc", "").replace(";", ",").split(",")
            if e.strip()
        ]
        errors = []
        for address in emails:
            try:
                validate_email(address)
            except ValidationError:
                errors.append(_("“%(email)s” is not an email address.") % {"email": address})
        if len(emails) > 10:
            errors.append(_("Copy at most 10 colleagues."))
        if errors:
            raise ValidationError(errors)
        return list(dict.fromkeys(emails))


class ReplyForm(forms.Form):
    body = message_field(_("Your reply"))
    attachments = attachments_field()


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"), choices=Ticket.Rating.choices, coerce=int, required=False, empty_value=None
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=RATING_COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TicketListFilter(forms.Form):
    """The portal list's search, filters and sort; anything invalid falls back to the default."""

    SORTS = {
        "new": ("-created_at", "-id"),
        "old": ("created_at", "id"),
        "active": ("-last_activity_at", "-id"),
    }
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("open", _("Open")), ("closed", _("Closed"))],
    )
    category = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int, empty_value=None)
    view = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("company", _("My company's")), ("mine", _("Mine"))],
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[("new", _("Newest first")), ("active", _("Recently active")), ("old", _("Oldest first"))],
    )

    def __init__(self, *args: Any, company_switch: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        categories = portal_categories()
        if categories:
            self.fields["category"].choices = [("", _("All")), *categories]
        else:
            del self.fields["category"]
        if not company_switch:
            del self.fields["view"]

    def value(self, name: str) -> Any:
        """The cleaned value of one filter; an invalid or missing one counts as not set."""
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name)


# --- staff -------------------------------------------------------------------------------------------------


class StaffQueueFilter(forms.Form):
    SORTS = {
        "active": ("-last_activity_at", "-id"),
        "new": ("-created_at", "-id"),
        "old": ("created_at", "id"),
    }
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    assigned = forms.ChoiceField(
        label=_("Owner"),
        required=False,
        choices=[("", _("Anyone")), ("mine", _("Mine")), ("unassigned", _("Unassigned"))],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("open", _("Open")),
            ("waiting", _("Waiting for us")),
            ("closed", _("Closed")),
            ("all", _("All")),
        ],
    )
    pipeline = forms.TypedChoiceField(label=_("Pipeline"), required=False, coerce=int, empty_value=None)
    stage = forms.TypedChoiceField(label=_("Stage"), required=False, coerce=int, empty_value=None)
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[("", _("Any")), *Ticket.Priority.choices]
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[("active", _("Recently active")), ("new", _("Newest first")), ("old", _("Oldest first"))],
    )

    def __init__(self, *args: Any, stages: list[Stage], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pipelines: dict[int, str] = {}
        for stage in stages:
            pipelines.setdefault(stage.pipeline_id, stage.pipeline.name)
        self.fields["pipeline"].choices = [("", _("Any")), *pipelines.items()]
        self.fields["stage"].choices = [
            ("", _("Any")),
            *[(s.pk, f"{s.pipeline.name} · {s.name}") for s in stages],
        ]

    def value(self, name: str) -> Any:
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name)


class StaffReplyForm(forms.Form):
    body = message_field(_("Message"))
    attachments = attachments_field()


class StaffUpdateForm(forms.Form):
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)
    stage = forms.TypedChoiceField(label=_("Stage"), coerce=int)
    priority = forms.ChoiceField(label=_("Priority"), choices=Ticket.Priority.choices)
    category = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int, empty_value=None)

    def __init__(
        self, *args: Any, agents: list, stages: list[Stage], categories: list, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", _("Unassigned")), *[(a.pk, str(a)) for a in agents]]
        self.fields["stage"].choices = [(s.pk, f"{s.pipeline.name} · {s.name}") for s in stages]
        self.fields["category"].choices = [("", "—"), *[(c.pk, c.name) for c in categories]]


class StaffNewTicketForm(forms.Form):
    email = forms.EmailField(
        label=_("Client's email"),
        help_text=_("The ticket is raised on behalf of the contact with this email."),
    )
    company = forms.TypedChoiceField(label=_("Company"), required=False, coerce=int, empty_value=None)
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX_LENGTH)
    body = message_field(_("First message to the client"))
    priority = forms.ChoiceField(label=_("Priority"), choices=Ticket.Priority.choices, initial="normal")
    category = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int, empty_value=None)
    attachments = attachments_field()

    def __init__(self, *args: Any, companies: list, categories: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["company"].choices = [("", _("— the contact's only company —")), *companies]
        self.fields["category"].choices = [("", "—"), *[(c.pk, c.name) for c in categories]]


class CCForm(forms.Form):
    email = forms.EmailField(label=_("Copy a colleague (email)"), required=False)
    remove = forms.CharField(required=False, widget=forms.HiddenInput)
