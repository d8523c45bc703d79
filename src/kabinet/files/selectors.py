"""Viewer-scoped reads of the file archive (lists, downloads, search)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

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
    own = scope_to_viewer(ClientFile.objects.all(), viewer)
    visible = Q(subject_type__isnull=True) & Exists(own.filter(pk=OuterRef("pk")))
    for label, selector in subject_selectors().items():
        app_label, model = label.split(".")
        visible |= Q(subject_type__app_label=app_label, subject_type__model=model) & Exists(
            selector(viewer).filter(pk=OuterRef("subject_id"))
        )
    # Each row is then checked by primary-key lookups, and only the files of the viewer's company are walked
    # (newest first, by the company's index, stopping at the page): a visible object belongs to the viewer's
    # company (or, for a private person, to no company and to him), and a file carries its object's company
    # and contact (``store_file``). Sets of ids ("every order of the company") made every page build and
    # search lists the size of the company, and let the database walk every company's files.
    return ClientFile.objects.filter(_viewer_company(viewer)).filter(visible)


def _viewer_company(viewer: Viewer) -> Q:
    """The files of the viewer's company (or his own files outside any company): a superset of the visible
    ones, which an index answers."""
    if viewer.active is None:
        return Q(company__isnull=True, contact_id=viewer.contact_id)
    return Q(company_id=viewer.active.company_id)


def file_for_viewer(viewer: Viewer, public_id: str) -> ClientFile:
    """One file by public id, or ``ClientFile.DoesNotExist`` for unknown and foreign ids alike."""
    return files_visible_to(viewer).get(public_id=public_id)
