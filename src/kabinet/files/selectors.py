"""Viewer-scoped reads of the file archive (lists, downloads, search)."""

from __future__ import annotations

from django.db.models import QuerySet

from kabinet.core.viewer import Viewer, scope_to_viewer
from kabinet.files.models import ClientFile


def files_visible_to(viewer: Viewer) -> QuerySet[ClientFile]:
    return scope_to_viewer(ClientFile.objects.all(), viewer)
