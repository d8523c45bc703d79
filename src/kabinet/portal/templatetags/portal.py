"""Links from the pages to the glossary: ``{% term "reconciliation-act" %}`` and ``{% help "overdue" %}``."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from kabinet.portal.glossary import built_in_title

register = template.Library()


@register.simple_tag
def term(slug: str, text: str = "") -> str:
    """The term's words as a link to its explanation (opened in place with htmx, else on the help page)."""
    url = reverse("portal:term", args=[slug])
    return format_html(
        '<a class="term" href="{}" hx-get="{}" hx-target="this" hx-swap="afterend" hx-trigger="click once">{}</a>',
        url,
        url,
        text or built_in_title(slug),
    )


@register.simple_tag
def help(slug: str, text: str = "") -> str:  # noqa: A001 - the tag reads best as {% help %}
    """A small “?” beside a word, linking to the explanation of ``slug``."""
    url = reverse("portal:term", args=[slug])
    label = _("What does “%(term)s” mean?") % {"term": text or built_in_title(slug)}
    return format_html(
        '<a class="help" href="{}" hx-get="{}" hx-target="this" hx-swap="afterend" hx-trigger="click once" '
        'aria-label="{}" title="{}">?</a>',
        url,
        url,
        label,
        label,
    )
