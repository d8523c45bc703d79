"""Viewer-scoped reads of the file archive (lists, downloads, search)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kabinet.core.viewer import Viewer, scope_to_viewer
from kabinet.files.models import ClientFile
from kabinet.files.subjects import subject_selectors


def files_visible_to(viewer: Viewer) -> QuerySet[ClientFile]:
    """Every file exchanged with the viewer's scope, in both directions.

    A file without an object follows the scope rule; a file attached to an object is visible exactly when
    that object is, through the object's own selector (a draft document's PDF, a colleague's chat attachment
    or an internal note's file stay hidden). Staff without a contact see nothing here.
    """
    if not viewer.is_client:
        return ClientFile.objects.none()
    own = scope_to_viewer(ClientFile.objects.all(), viewer).values("pk")
    visible = Q(subject_type__isnull=True, pk__in=own)
    for label, selector in subject_selectors().items():
        app_label, model = label.split(".")
        visible |= Q(
            subject_type__app_label=app_label,
            subject_type__model=model,
            subject_id__in=selector(viewer).values("pk"),
        )
    return ClientFile.objects.filter(visible)


def file_for_viewer(viewer: Viewer, public_id: str) -> ClientFile:
    """One file by public id, or ``ClientFile.DoesNotExist`` for unknown and foreign ids alike."""
    return files_visible_to(viewer).get(public_id=public_id)
