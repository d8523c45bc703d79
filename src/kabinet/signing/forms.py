from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kabinet.accounts.forms import CodeField

MAX_VERIFY_UPLOAD = 25 * 1024 * 1024


class SendCodeForm(forms.Form):
    """Step one: the signer confirms the statement (and, the first time, the agreement) and picks a channel."""

    confirm = forms.BooleanField(label=_("I have read the document and confirm the statement above"))
    channel = forms.ChoiceField(label=_("Send the code to"), widget=forms.RadioSelect)

    def __init__(self, *args, channels: dict[str, tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        labels = {"email": _("email %(to)s"), "sms": _("text message to %(to)s")}
        self.fields["channel"].choices = [
            (key, labels[key] % {"to": masked}) for key, (_a, masked) in channels.items()
        ]
        if channels:
            self.fields["channel"].initial = next(iter(channels))


class SignForm(forms.Form):
    """Step two: the code that went to the signer, for this attempt."""

    attempt = forms.CharField(widget=forms.HiddenInput, max_length=32)
    code = CodeField(label=_("Code from the message"))
    time_zone = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    consent = forms.BooleanField(
        required=False, label=_("I accept the agreement on the simple electronic signature")
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you decline?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    time_zone = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class CountersignForm(forms.Form):
    code = CodeField(label=_("Code from your authenticator app"))
    time_zone = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class VerifyForm(forms.Form):
    """The public verification page: a file, or a signature id."""

    file = forms.FileField(label=_("Signed PDF file"), required=False)
    signature_id = forms.CharField(label=_("or signature id"), required=False, max_length=20)

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > MAX_VERIFY_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 25 MB."), code="too_large")
        if upload is not None:
            head = upload.read(5)
            upload.seek(0)
            if head != b"%PDF-":
                raise forms.ValidationError(_("This is not a PDF file."), code="not_pdf")
        return upload

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("file") and not cleaned.get("signature_id") and not self.errors:
            raise forms.ValidationError(_("Choose a file or enter a signature id."), code="empty")
        return cleaned
