"""Viewer-scoped reads of documents. Drafts are never shown to clients."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from kabinet.core.sync import changed_since
from kabinet.core.viewer import Viewer, scope_to_viewer
from kabinet.documents.models import Document


def documents_visible_to(
    viewer: Viewer, *, updated_since: datetime.datetime | None = None
) -> QuerySet[Document]:
    """Published documents of the viewer's scope (a draft exists only for staff), changed since ``updated_since``."""
    return changed_since(
        scope_to_viewer(Document.objects.exclude(status=Document.Status.DRAFT), viewer), updated_since
    )


def document_for_viewer(viewer: Viewer, public_id: str) -> Document:
    """One document by public id with its file and order, or ``Document.DoesNotExist`` (unknown or foreign)."""
    return documents_visible_to(viewer).select_related("file", "order").get(public_id=public_id)
