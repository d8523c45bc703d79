"""Viewer-scoped reads of the file archive (lists, downloads, search)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kabinet.core.viewer import Viewer, scope_to_viewer
from kabinet.files.models import ClientFile

# Files attached to objects that are personal even inside a company: a company admin sees the company's
# files, but not the attachments of a colleague's private chat with the manager.
PERSONAL_SUBJECT_APPS = ("messaging",)


def files_visible_to(viewer: Viewer) -> QuerySet[ClientFile]:
    """Every file exchanged with the viewer's scope, in both directions (others' chat attachments excluded)."""
    scoped = scope_to_viewer(ClientFile.objects.all(), viewer)
    if not viewer.is_client:
        return scoped
    return scoped.exclude(
        Q(subject_type__app_label__in=PERSONAL_SUBJECT_APPS) & ~Q(contact_id=viewer.contact_id)
    )


def file_for_viewer(viewer: Viewer, public_id: str) -> ClientFile:
    """One file by public id, or ``ClientFile.DoesNotExist`` for unknown and foreign ids alike."""
    return files_visible_to(viewer).get(public_id=public_id)
