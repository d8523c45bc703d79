"""The invoice list's status filter."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import OVERDUE, OVERDUE_LABEL, Invoice


class InvoiceFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All invoices")),
            (Invoice.Status.UNPAID, Invoice.Status.UNPAID.label),
            (Invoice.Status.PARTIALLY_PAID, Invoice.Status.PARTIALLY_PAID.label),
            (OVERDUE, OVERDUE_LABEL),
            (Invoice.Status.PAID, Invoice.Status.PAID.label),
            (Invoice.Status.CANCELLED, Invoice.Status.CANCELLED.label),
        ],
    )
