"""Client forms of bookings: a chosen start (an ISO moment from the slot list) and a specialist."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from kabinet.accounts.phones import PhoneField


class MomentField(forms.Field):
    """An aware ISO 8601 moment, as the slot links carry it; anything else is a field error."""

    default_error_messages = {"invalid": _("Choose a time from the list.")}

    def to_python(self, value: str) -> datetime.datetime | None:
        value = (value or "").strip() if isinstance(value, str) else ""
        if not value:
            return None
        if len(value) > 40:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        if moment.tzinfo is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return moment.astimezone(datetime.UTC)


class SlotForm(forms.Form):
    start = MomentField(label=_("Time"), widget=forms.HiddenInput)
    specialist = forms.CharField(required=False, max_length=22, widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DayForm(forms.Form):
    """The slot page's query: which specialist (empty: any) and which date."""

    specialist = forms.CharField(required=False, max_length=22)
    date = forms.DateField(required=False)


class VisitorForm(SlotForm):
    """The public booking page: the chosen time, and who comes (the phone gets the confirmation code)."""

    name = forms.CharField(
        label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = PhoneField(
        label=_("Mobile phone"), help_text=_("We send a confirmation code to this number by SMS.")
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Enter your name."), code="required")
        return name


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
