"""The document list's filters."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kabinet.documents.models import Document


class DocumentFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Document.Kind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status"))]
        + [c for c in Document.Status.choices if c[0] != Document.Status.DRAFT],
    )
