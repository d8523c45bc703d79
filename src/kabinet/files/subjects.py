"""Which objects a file may belong to, and the selector that says whether the viewer sees that object.

A file attached to an object (an order, a document, an invoice, a ticket message, a chat message) is visible
exactly when its object is visible: the file archive composes the object's own selector instead of repeating
its rule. Each app that attaches files registers its model here from its ``AppConfig.ready()`` (``files``
registers the CRM's orders itself, since the CRM sits to its left). A file whose object is of a type nobody
registered is visible to no client: the rule fails closed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.db.models import QuerySet

from kabinet.core.viewer import Viewer

SubjectSelector = Callable[[Viewer], QuerySet[Any]]

_selectors: dict[str, SubjectSelector] = {}


def register_subject(model: type[models.Model], selector: SubjectSelector) -> None:
    """Files attached to ``model`` rows are visible to a viewer when ``selector(viewer)`` returns the row."""
    _selectors[model._meta.label_lower] = selector


def subject_selectors() -> dict[str, SubjectSelector]:
    """Every registered subject type (``app_label.model``) with its selector."""
    return dict(_selectors)
