"""What documents contribute to the client portal: navigation, the "awaiting your signature" card, the
documents panel of an order, and links from the history."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Q, Value
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kabinet.core.counting import scalar
from kabinet.core.registry import (
    DashboardCard,
    NavItem,
    object_action,
    register_card,
    register_nav,
    register_object_link,
)
from kabinet.documents.models import Document
from kabinet.documents.selectors import documents_visible_to

CARD_DOCUMENTS = 5
SIGN_ACTION = "documents.document.sign"  # the signing step, registered by the signing app


def awaiting_signature_card(request: HttpRequest) -> dict[str, Any]:
    """Documents waiting for the viewer's signature, newest first, with their count (one query).

    A document the viewer signs himself links straight to the signing step (the app that signs registers it);
    one he only sees (a colleague's, as company admin) links to its page. Which is which is a subquery of the
    same query.
    """
    awaiting = documents_visible_to(request.viewer).filter(status=Document.Status.AWAITING_SIGNATURE)
    sign = object_action(SIGN_ACTION)
    mine = (
        ExpressionWrapper(Q(pk__in=sign.targets(request.viewer)), output_field=BooleanField())
        if sign is not None
        else Value(False)
    )
    rows = list(
        awaiting.only("public_id", "title", "number", "kind", "date", "created_at", "status", "file_id")
        .annotate(total=scalar(awaiting), signs_here=mine)
        .order_by("-created_at", "-id")[:CARD_DOCUMENTS]
    )
    for row in rows:  # a reverse() each, no query
        row.link = (
            reverse(sign.url_name, args=[row.public_id])
            if sign is not None and row.signs_here
            else reverse("documents:detail", args=[row.public_id])
        )
    return {"documents": rows, "total": rows[0].total if rows else 0}


def register() -> None:
    register_nav(NavItem(key="documents", label=_("Documents"), url_name="documents:list", order=20))
    register_card(
        DashboardCard(
            key="documents",
            template="documents/cards/awaiting.html",
            context=awaiting_signature_card,
            order=30,
        )
    )
    register_object_link("documents.document", "documents:detail")
