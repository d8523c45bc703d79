"""Viewer-scoped reads of documents. Drafts are never shown to clients."""

from __future__ import annotations

from django.db.models import QuerySet

from kabinet.core.viewer import Viewer, scope_to_viewer
from kabinet.documents.models import Document


def documents_visible_to(viewer: Viewer) -> QuerySet[Document]:
    return scope_to_viewer(Document.objects.exclude(status=Document.Status.DRAFT), viewer)
