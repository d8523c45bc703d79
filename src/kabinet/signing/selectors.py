"""Viewer-scoped reads of signatures.

A client acts only as a signer named for him, or, for "any company admin", as an admin of the document's
company — in the active company context, like every other read. A named colleague member signs (and then
sees the request's files) even when the document's owner is someone else: being named is his access. Anybody
who sees the document sees its request and, once sealed, the signed file and the audit log.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from kabinet.core.viewer import Viewer
from kabinet.documents.models import Document
from kabinet.documents.selectors import documents_visible_to
from kabinet.signing.models import SignatureRequest, Signer


def signers_visible_to(viewer: Viewer) -> QuerySet[Signer]:
    """Client-side signers the viewer may act as, on published documents of his active company context."""
    if not viewer.is_client:
        return Signer.objects.none()
    rows = Signer.objects.filter(side=Signer.Side.CLIENT).exclude(
        request__document__status=Document.Status.DRAFT
    )
    if viewer.active is None:
        rows = rows.filter(request__company__isnull=True, request__contact_id=viewer.contact_id)
    else:
        rows = rows.filter(request__company_id=viewer.active.company_id)
    mine = Q(contact_id=viewer.contact_id)
    if viewer.is_company_admin:
        mine |= Q(any_company_admin=True)
    return rows.filter(mine)


def signature_requests_visible_to(viewer: Viewer) -> QuerySet[SignatureRequest]:
    """Requests of the documents the viewer sees, and those he is a signer of."""
    if not viewer.is_client:
        return SignatureRequest.objects.none()
    return SignatureRequest.objects.filter(
        Q(document__in=documents_visible_to(viewer).values("pk"))
        | Q(pk__in=signers_visible_to(viewer).values("request_id"))
    )


def request_for_document(viewer: Viewer, document_public_id: str) -> SignatureRequest:
    """The request of one document (by the document's public id), or ``SignatureRequest.DoesNotExist``."""
    return (
        signature_requests_visible_to(viewer)
        .select_related("document__file", "signed_file", "company")
        .get(document__public_id=document_public_id)
    )


def signer_for_viewer(viewer: Viewer, document_public_id: str) -> Signer:
    """The viewer's signer on one document (pending or done), or ``Signer.DoesNotExist``: the sign page's 404."""
    return (
        signers_visible_to(viewer)
        .select_related("request__document__file", "request__signed_file", "request__company")
        .filter(request__document__public_id=document_public_id)
        .order_by("position")[:1]
        .get()
    )


def staff_requests(user: Any) -> QuerySet[SignatureRequest]:
    """Every request, for active staff allowed to view them; nobody else."""
    if not (user.is_active and user.is_staff and user.has_perm("signing.view_signaturerequest")):
        return SignatureRequest.objects.none()
    return SignatureRequest.objects.select_related("document", "company", "contact")


def staff_turns(user: Any) -> QuerySet[SignatureRequest]:
    """Pending requests whose staff signer is ``user`` (his turn or not yet)."""
    return staff_requests(user).filter(
        status=SignatureRequest.Status.PENDING,
        signers__staff_user=user,
        signers__status=Signer.Status.PENDING,
    )
