"""What the file archive contributes to the client portal: its navigation entry and its links."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kabinet.core.registry import NavItem, register_nav, register_object_link


def register() -> None:
    register_nav(NavItem(key="files", label=_("Files"), url_name="files:archive", order=70))
    register_object_link("files.clientfile", "files:download")
