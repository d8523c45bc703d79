"""The glossary: plain-language explanations of the terms the portal uses, linked from the pages.

The built-in terms below are translated with the rest of the portal, so the help works on day one; staff
replace any of them (same key) or add their own in the back office, per language or for all languages.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kabinet.portal.models import GlossaryTerm


@dataclass(frozen=True)
class Term:
    slug: str
    term: str
    explanation: str
    position: int = 100


BUILT_IN: dict[str, tuple] = {
    "order-stage": (
        _("Order stage"),
        _(
            "Where your order is now. Each stage says in plain words what is happening and what comes next; "
            "the current stage is highlighted on the order’s page."
        ),
        10,
    ),
    "invoice": (
        _("Invoice"),
        _("A request to pay: the amount, the date by which to pay, and our bank details."),
        20,
    ),
    "partially-paid": (
        _("Partially paid"),
        _("We have received part of the amount; the rest is still to be paid."),
        30,
    ),
    "overdue": (
        _("Overdue"),
        _("The date by which the invoice should have been paid has passed, and it is not fully paid yet."),
        40,
    ),
    "contract": (
        _("Contract"),
        _("The agreement between your company and us: what we do, for how much, and on which terms."),
        50,
    ),
    "act": (
        _("Act of completed works"),
        _(
            "A document confirming that the work was done or the service provided. By signing it you agree "
            "that you have no complaints about it."
        ),
        60,
    ),
    "reconciliation-act": (
        _("Reconciliation act"),
        _(
            "A statement of all invoices and payments between you and us over a period, with the balance at "
            "its end. Both sides check it; if your figures differ, tell your manager."
        ),
        70,
    ),
    "awaiting-signature": (
        _("Awaiting your signature"),
        _("We have prepared the document and need your signature on it."),
        80,
    ),
    "company-admin": (
        _("Company admin"),
        _(
            "A person who sees everything of the company in the portal, keeps its details up to date and "
            "invites colleagues. Other colleagues see only their own orders and documents."
        ),
        90,
    ),
    "inn": (
        _("INN"),
        _(
            "Taxpayer identification number: 10 digits for an organisation, 12 for a person. The last digits "
            "are a checksum, so a typo is noticed at once."
        ),
        100,
    ),
    "kpp": (
        _("KPP"),
        _("Tax registration reason code of an organisation: nine characters."),
        110,
    ),
    "ogrn": (
        _("OGRN"),
        _(
            "Primary state registration number: 13 digits for an organisation, 15 for a sole proprietor (OGRNIP)."
        ),
        120,
    ),
}


def built_in_title(slug: str) -> str:
    entry = BUILT_IN.get(slug)
    return str(entry[0]) if entry else slug


def glossary(language: str | None = None) -> list[Term]:
    """Every published term in ``language`` (default: the active one), built-in terms replaced by staff's.

    One query. A row for the exact language wins over a row for all languages, which wins over built-in text.
    """
    language = (language or get_language() or "").split("-")[0]
    terms: dict[str, Term] = {
        slug: Term(slug=slug, term=str(title), explanation=str(text), position=position)
        for slug, (title, text, position) in BUILT_IN.items()
    }
    rows = sorted(
        GlossaryTerm.objects.filter(Q(language=language) | Q(language="")),
        key=lambda row: row.language != "",  # rows for all languages first, the exact language overrides
    )
    for row in rows:
        if not row.is_published:
            terms.pop(row.slug, None)
            continue
        terms[row.slug] = Term(
            slug=row.slug, term=row.term, explanation=row.explanation, position=row.position
        )
    return sorted(terms.values(), key=lambda t: (t.position, t.term.lower()))


def term(slug: str, language: str | None = None) -> Term | None:
    return next((t for t in glossary(language) if t.slug == slug), None)
