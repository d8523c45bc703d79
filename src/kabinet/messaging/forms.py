from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kabinet.messaging.actions import MAX_BODY


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is checked by size and content in the action."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
    )
    attachments = MultipleFileField(label=_("Attach files"), required=False)


class StaffMessageForm(MessageForm):
    quick_reply = forms.TypedChoiceField(label=_("Quick reply"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, quick_replies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quick_reply"].choices = [("", "—")] + [(q.pk, q.title) for q in quick_replies]
