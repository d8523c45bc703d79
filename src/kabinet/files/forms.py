"""Forms of the file archive page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from kabinet.files.models import ClientFile
from kabinet.files.validation import check_upload


class FileFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    direction = forms.ChoiceField(
        label=_("Direction"),
        required=False,
        choices=[
            ("", _("Both ways")),
            (ClientFile.Direction.FROM_CLIENT, _("Sent by you")),
            (ClientFile.Direction.TO_CLIENT, _("Sent to you")),
        ],
    )
    about = forms.CharField(required=False, max_length=22, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"
        self.fields["q"].widget.attrs["placeholder"] = _("File name")


class UploadForm(forms.Form):
    upload = forms.FileField(
        label=_("File"),
        help_text=_("PDF, images, office documents, text or ZIP."),
        error_messages={"required": _("Choose a file to send."), "empty": _("The file is empty.")},
    )
    about = forms.CharField(required=False, max_length=22, widget=forms.HiddenInput)

    def clean_upload(self) -> UploadedFile:
        upload = self.cleaned_data["upload"]
        check_upload(upload)  # size and real content, with a clear message at the field
        return upload
