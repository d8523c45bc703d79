"""The file archive's timeline sentence (data only, registered by ``FilesConfig.ready()``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

TIMELINE = {"file.added": _("File “%(name)s” was added")}
