"""Viewer-scoped reads of the file archive (lists, downloads, search)."""

from __future__ import annotations

from django.db.models import QuerySet

from kabinet.core.viewer import Viewer, scope_to_viewer
from kabinet.files.models import ClientFile


def files_visible_to(viewer: Viewer) -> QuerySet[ClientFile]:
    """Every file exchanged with the viewer's scope, in both directions."""
    return scope_to_viewer(ClientFile.objects.all(), viewer)


def file_for_viewer(viewer: Viewer, public_id: str) -> ClientFile:
    """One file by public id, or ``ClientFile.DoesNotExist`` for unknown and foreign ids alike."""
    return files_visible_to(viewer).get(public_id=public_id)
