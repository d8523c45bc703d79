from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class PayForm(forms.Form):
    """The amount to pay now; only offered where staff allow partial payments (empty: everything left)."""

    amount = forms.DecimalField(
        label=_("Amount to pay now"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        localize=True,
    )


class SandboxForm(forms.Form):
    outcome = forms.ChoiceField(choices=[("succeeded", "succeeded"), ("canceled", "canceled")])


class RedeemForm(forms.Form):
    """Pay part of the invoice with bonus points or the prepaid balance."""

    method = forms.ChoiceField(
        label=_("Pay with"),
        choices=[("points", _("bonus points")), ("balance", _("prepaid balance"))],
        initial="points",
    )
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"), localize=True
    )
