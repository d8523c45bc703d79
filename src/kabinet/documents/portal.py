"""What documents contribute to the client portal: navigation, the "awaiting your signature" card, the
documents panel of an order, and links from the history."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kabinet.core.counting import scalar
from kabinet.core.registry import (
    DashboardCard,
    NavItem,
    register_card,
    register_nav,
    register_object_link,
)
from kabinet.documents.models import Document
from kabinet.documents.selectors import documents_visible_to

CARD_DOCUMENTS = 5


def awaiting_signature_card(request: HttpRequest) -> dict[str, Any]:
    """Documents waiting for the viewer's signature, newest first, with their count (one query)."""
    awaiting = documents_visible_to(request.viewer).filter(status=Document.Status.AWAITING_SIGNATURE)
    rows = list(
        awaiting.only("public_id", "title", "number", "kind", "date", "created_at", "status", "file_id")
        .annotate(total=scalar(awaiting))
        .order_by("-created_at", "-id")[:CARD_DOCUMENTS]
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
