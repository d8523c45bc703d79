"""What signing adds to the client portal: the signing panel on a document's page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kabinet.core.registry import DetailPanel, ObjectAction, register_detail_panel, register_object_action
from kabinet.core.viewer import Viewer
from kabinet.signing.models import SignatureRequest, Signer
from kabinet.signing.selectors import signers_visible_to


def signing_panel(request: HttpRequest, document: Any) -> dict[str, Any] | None:
    """The request's signers and whether it is the viewer's turn (one query: the signers with their request)."""
    signers = list(
        Signer.objects.filter(request__document_id=document.pk)
        .select_related("request", "contact", "staff_user")
        .order_by("position")
    )
    if not signers:
        return None
    viewer = request.viewer
    sig_request = signers[0].request
    pending = [s for s in signers if s.status == Signer.Status.PENDING]
    current = pending[0] if pending and sig_request.status == SignatureRequest.Status.PENDING else None
    mine = (
        current is not None
        and current.side == Signer.Side.CLIENT
        and (
            current.contact_id == viewer.contact_id or (current.any_company_admin and viewer.is_company_admin)
        )
    )
    return {
        "sig_request": sig_request,
        "signers": signers,
        "current": current,
        "my_turn": mine,
        "document": document,
    }


def documents_to_sign(viewer: Viewer) -> Any:
    """Ids of the documents whose pending signature the viewer gives (a subquery for the dashboard card)."""
    return (
        signers_visible_to(viewer)
        .filter(status=Signer.Status.PENDING, request__status=SignatureRequest.Status.PENDING)
        .values("request__document_id")
    )


def register() -> None:
    register_object_action(
        ObjectAction(key="documents.document.sign", url_name="signing:sign", targets=documents_to_sign)
    )
    register_detail_panel(
        DetailPanel(key="signing", subject="document", template="signing/panel.html", context=signing_panel)
    )
