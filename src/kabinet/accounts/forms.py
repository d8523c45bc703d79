"""The sign-in, sign-up and code forms: allauth's, extended for Kabinet's one-page sign-in."""

from __future__ import annotations

from allauth.account import forms as allauth_forms
from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kabinet.accounts import codes
from kabinet.accounts.actions import current_consent
from kabinet.accounts.models import User
from kabinet.accounts.phones import looks_like_phone, normalize_phone

LAYOUT_HINTS = {
    "en": _(
        "The password looks typed with the Russian keyboard layout. Switch the layout to English and try again."
    ),
    "ru": _(
        "The password looks typed with the English keyboard layout. Switch the layout to Russian and try again."
    ),
}


def password_widget(autocomplete: str) -> forms.PasswordInput:
    """A password input that warns (kabinet.js) when the text looks typed in the wrong keyboard layout."""
    return forms.PasswordInput(attrs={"autocomplete": autocomplete, "data-layout-check": "latin"})


class SignInForm(allauth_forms.LoginForm):
    """One page, three ways in. ``action`` says which button was pressed:

    - ``continue``: an email leads to the password step (with "send me a code instead"); a phone number
      starts the SMS code at once;
    - ``password``: email + password;
    - ``code``: a one-time code to the email (or phone).
    The answer never depends on whether an account exists.
    """

    ACTIONS = ("continue", "password", "code")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"] = forms.CharField(
            label=_("Email or phone"),
            max_length=254,
            widget=forms.TextInput(
                attrs={
                    "autocomplete": "username",
                    "autofocus": True,
                    "autocapitalize": "none",
                    "spellcheck": "false",
                }
            ),
        )
        self.fields["password"] = forms.CharField(
            label=_("Password"), required=False, strip=False, widget=password_widget("current-password")
        )
        self.order_fields(["login", "password"])
        action = self.data.get("action") if self.is_bound else None
        self.action = (
            action if action in self.ACTIONS else ("password" if self.data.get("password") else "continue")
        )
        self.method: str | None = None  # "email" or "phone" once the login is understood

    def clean_login(self) -> str:
        value = " ".join(self.cleaned_data["login"].split())
        if "@" in value:
            try:
                validate_email(value)
            except ValidationError as exc:
                raise ValidationError(_("Enter a valid email address."), code="invalid_email") from exc
            self.method = "email"
            return value.lower()
        if looks_like_phone(value):
            self.method = "phone"
            return normalize_phone(value)
        raise ValidationError(_("Enter your email or phone number."), code="invalid_login")

    @property
    def needs_password_step(self) -> bool:
        """The email is understood and the person has not chosen password or code yet."""
        return self.method == "email" and self.action == "continue"

    def user_credentials(self) -> dict:
        credentials = {self.method or "email": self.cleaned_data["login"]}
        if self.method == "email" and self.action == "password":
            credentials["password"] = self.cleaned_data.get("password", "")
        return credentials

    def clean(self):
        cleaned = forms.Form.clean(self)
        if self._errors:
            return cleaned
        if self.needs_password_step:
            return cleaned
        if self.method == "email" and self.action == "password":
            if not cleaned.get("password"):
                self.add_error("password", _("Enter your password."))
                return cleaned
            try:
                return self._clean_with_password(self.user_credentials())
            except ValidationError as error:
                hint = getattr(self.request, "_kabinet_layout_hint", None)
                if hint:
                    raise ValidationError(LAYOUT_HINTS[hint], code="wrong_layout") from error
                raise
        login = cleaned["login"]
        cleaned = self._clean_without_password(
            login if self.method == "email" else None, login if self.method == "phone" else None
        )
        # Past allauth's rate limits a number that signs nobody in goes on as allauth's unknown number: the
        # adapter's ``send_unknown_account_sms`` sends a code to a contact synced from a CRM that allows
        # sign-in by the phone on the deal, and his account is made only when that code comes back.
        return cleaned


class SignUpForm(allauth_forms.SignupForm):
    """Self-registration: name, email, optional phone, password twice, and the consent text."""

    full_name = forms.CharField(
        label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    consent_accepted = forms.BooleanField(label=_("I accept the consent text above"), required=True)

    field_order = ["full_name", "email", "phone", "password1", "password2", "consent_accepted"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.consent = current_consent()
        self.fields["consent_accepted"].error_messages["required"] = _(
            "Please read and accept the consent text to sign up."
        )
        self.fields["email"].label = _("Email")
        if "phone" in self.fields:
            self.fields["phone"].required = False
            self.fields["phone"].label = _("Phone (optional)")
            self.fields["phone"].help_text = _("Add it to sign in by SMS; we will send a code to check it.")
        for name in ("password1", "password2"):
            if name in self.fields:
                self.fields[name].widget = password_widget("new-password")
        self.fields["password2"].label = _("Password again")

    def save(self, request):
        # The account, its email address, phone and consent appear together or not at all.
        with transaction.atomic():
            return super().save(request)


class CodeField(forms.CharField):
    """A one-time code as people type it: digits, maybe with spaces or a dash, offered by the keyboard."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Code"))
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "autocomplete": "one-time-code",
                    "inputmode": "numeric",
                    "pattern": "[0-9 -]*",
                    "autofocus": True,
                }
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        return codes.normalize(super().clean(value) or "")


def _code_form(base: type[forms.Form]) -> type[forms.Form]:
    """allauth's confirm form (``ACCOUNT_FORMS``) with a code field that forgives spaces and dashes.

    allauth keeps and compares the code itself (docs/security.md, "One-time codes")."""

    class Form(base):
        code = CodeField()

    Form.__name__ = base.__name__
    Form.__qualname__ = base.__qualname__
    return Form


ConfirmLoginCodeForm = _code_form(allauth_forms.ConfirmLoginCodeForm)
VerifyPhoneForm = _code_form(allauth_forms.VerifyPhoneForm)
ConfirmEmailVerificationCodeForm = _code_form(allauth_forms.ConfirmEmailVerificationCodeForm)


class RequestLoginCodeForm(allauth_forms.RequestLoginCodeForm):
    """allauth's "email me a code" form (``/accounts/login/code/``), which must name an email or a phone.

    With both email and phone as login methods allauth makes both fields optional, and a body with neither
    passed validation and then failed in the view (a 500 found by the fuzz test): one of them is required.
    """

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("email") and not cleaned.get("phone"):
            raise ValidationError(_("Enter your email or phone number."), code="required")
        return cleaned


class ConsentForm(forms.Form):
    """The consent step of an account that has accepted no consent text yet (made by sign-in by the phone
    on the deal): the text and one tick."""

    consent_accepted = forms.BooleanField(label=_("I accept the consent text above"), required=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.consent = current_consent()
        self.fields["consent_accepted"].error_messages["required"] = _(
            "Please read and accept the consent text to continue."
        )


class InvitationAnswerForm(forms.Form):
    """The answer of an existing account to a company invitation."""

    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("decline", _("Decline"))])


class AcceptInvitationForm(forms.Form):
    """Setting up the login an invitation offers: name, a password (twice) and the consent."""

    full_name = forms.CharField(
        label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1 = forms.CharField(label=_("Password"), strip=False, widget=password_widget("new-password"))
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=password_widget("new-password")
    )
    consent_accepted = forms.BooleanField(label=_("I accept the consent text above"), required=True)

    def __init__(self, *args, invitation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.consent = current_consent()
        self.fields["full_name"].initial = invitation.full_name
        self.fields["password1"].help_text = password_validation.password_validators_help_text_html()
        self.fields["consent_accepted"].error_messages["required"] = _(
            "Please read and accept the consent text to sign up."
        )

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password1")
        if password:
            probe = User(email=self.invitation.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password, user=probe)
            except ValidationError as error:
                self.add_error("password1", error)
        if password and cleaned.get("password2") and password != cleaned["password2"]:
            self.add_error("password2", _("You must type the same password each time."))
        return cleaned


class DeleteAccountForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the email"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
