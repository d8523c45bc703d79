"""Forms of the client portal's CRM pages: list filters, my contact details, company details, colleagues."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kabinet.crm import validators as v
from kabinet.crm.models import BankAccount, Company, Contact, Country, Membership, Stage, TimelineEntry

STATUS_OPEN = "open"
STATUS_WON = "won"
STATUS_CLOSED = "closed"


class OrderFilterForm(forms.Form):
    """The order list's search, status filter and sort order (all optional; bad values fall back)."""

    SORTS = {
        "newest": _("Newest first"),
        "oldest": _("Oldest first"),
        "amount_desc": _("Amount: high to low"),
        "amount_asc": _("Amount: low to high"),
        "due": _("Planned completion"),
    }

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=list(SORTS.items()))

    def __init__(self, *args: Any, stages: list[Stage], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"
        self.fields["q"].widget.attrs["placeholder"] = _("Number or title")
        groups: dict[str, list[tuple[str, str]]] = {}
        for stage in stages:
            groups.setdefault(stage.pipeline.client_name or stage.pipeline.name, []).append(
                (f"stage-{stage.pk}", stage.client_name)
            )
        choices: list[Any] = [
            ("", _("All")),
            (STATUS_OPEN, _("In progress")),
            (STATUS_WON, _("Completed")),
            (STATUS_CLOSED, _("Cancelled")),
        ]
        if len(groups) == 1:
            choices.append((_("Stage"), next(iter(groups.values()))))
        else:
            choices.extend(groups.items())
        self.fields["status"].choices = choices

    def value(self, name: str) -> str:
        """The cleaned value, or empty when the form (or that field) is invalid."""
        if not self.is_bound:
            return ""
        self.is_valid()
        return str(self.cleaned_data.get(name) or "") if name not in self.errors else ""


class HistoryFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Show"), required=False, choices=[("", _("Everything")), *TimelineEntry.Kind.choices]
    )


class ContactDetailsForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["last_name", "first_name", "middle_name", "position", "delivery_address"]
        widgets = {"delivery_address": forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"
        self.fields["middle_name"].widget.attrs["autocomplete"] = "additional-name"
        self.fields["position"].widget.attrs["autocomplete"] = "organization-title"


def _numbered(form: forms.Form, name: str, label: Any) -> None:
    """Label each row of a formset "Email 1", "Email 2"... so every input has a distinct label."""
    try:
        number = int((form.prefix or "").rsplit("-", 1)[-1]) + 1
    except ValueError:
        return
    form.fields[name].label = _("%(label)s %(n)s") % {"label": label, "n": number}


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("Email"), required=False, max_length=254)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        _numbered(self, "email", _("Email"))


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _numbered(self, "phone", _("Phone"))

    def clean_phone(self) -> str:
        value = (self.cleaned_data.get("phone") or "").strip()
        return v.normalize_phone(value) if value else ""


class _AtLeastOneEmail(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        emails = [f.cleaned_data.get("email") for f in self.forms if f.cleaned_data.get("email")]
        if not emails:
            raise ValidationError(_("Keep at least one email address: we send your documents there."))
        if len({e.lower() for e in emails}) != len(emails):
            raise ValidationError(_("The same email address is entered twice."))


class _DistinctPhones(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        phones = [f.cleaned_data.get("phone") for f in self.forms if f.cleaned_data.get("phone")]
        if len(set(phones)) != len(phones):
            raise ValidationError(_("The same phone number is entered twice."))


EmailFormSet = forms.formset_factory(EmailForm, formset=_AtLeastOneEmail, extra=1, max_num=5, absolute_max=5)
PhoneFormSet = forms.formset_factory(PhoneForm, formset=_DistinctPhones, extra=1, max_num=5, absolute_max=5)

_COMMON_COMPANY_FIELDS = ["legal_address", "postal_address", "email", "phone"]
COMPANY_FIELDS_BY_COUNTRY = {
    Country.RU: ["name", "legal_name", "inn", "kpp", "ogrn", *_COMMON_COMPANY_FIELDS],
    Country.PL: ["name", "legal_name", "nip", "regon", "vat_number", *_COMMON_COMPANY_FIELDS],
    Country.OTHER_EU: ["name", "legal_name", "vat_number", *_COMMON_COMPANY_FIELDS],
    Country.OTHER: ["name", "legal_name", *_COMMON_COMPANY_FIELDS],
}


def company_form_class(company: Company) -> type[forms.ModelForm]:
    """The company form with the registration numbers of the company's country."""
    fields = COMPANY_FIELDS_BY_COUNTRY.get(company.country, COMPANY_FIELDS_BY_COUNTRY[Country.OTHER])
    return forms.modelform_factory(
        Company,
        fields=fields,
        widgets={
            "legal_address": forms.Textarea(attrs={"rows": 2}),
            "postal_address": forms.Textarea(attrs={"rows": 2}),
            "phone": forms.TextInput(attrs={"type": "tel"}),
        },
    )


def bank_account_formset_class(company: Company) -> type[forms.BaseModelFormSet]:
    fields = (
        ["bank_name", "bik", "account_number", "correspondent_account"]
        if company.country == Country.RU
        else ["bank_name", "iban", "swift"]
    )
    return forms.modelformset_factory(
        BankAccount, fields=fields, extra=1, can_delete=True, max_num=5, absolute_max=5
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER)


class AddressCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", _("Confirm")), ("decline", _("Decline"))])
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # Declining cannot be undone from the portal: the first "Decline" asks again, this field says "yes, sure".
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
