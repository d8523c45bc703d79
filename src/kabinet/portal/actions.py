"""Writes on the portal settings and the glossary. The back office calls these; nothing else saves them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from kabinet.core.audit import record_audit
from kabinet.files.validation import check_upload
from kabinet.portal.config import forget_portal_config
from kabinet.portal.models import GlossaryTerm, PortalSettings

BRAND_IMAGE_TYPES = {"image/png", "image/jpeg", "image/webp", "image/gif"}
BRAND_IMAGE_MAX_BYTES = 1024 * 1024


def check_brand_image(upload: UploadedFile) -> str:
    """A logo or favicon: a real PNG, JPEG, WebP or GIF (sniffed from the bytes; no SVG), at most 1 MiB."""
    kind = check_upload(upload)
    if kind not in BRAND_IMAGE_TYPES:
        raise ValidationError(_("Upload a PNG, JPEG, WebP or GIF image."), code="bad_type")
    if upload.size > BRAND_IMAGE_MAX_BYTES:
        raise ValidationError(_("The image is too large: at most 1 MB."), code="too_large")
    return kind


def _forget_everywhere() -> None:
    forget_portal_config()
    # A request that read the old row before our commit may have cached it again: forget once more after.
    transaction.on_commit(forget_portal_config)


@transaction.atomic
def save_portal_settings(
    *,
    actor: Any,
    portal_settings: PortalSettings,
    changed_fields: Iterable[str] = (),
    logo: UploadedFile | None = None,
    favicon: UploadedFile | None = None,
    remove_logo: bool = False,
    remove_favicon: bool = False,
) -> PortalSettings:
    """Validate and save the single settings row; new images are checked by content before they are stored."""
    portal_settings.pk = PortalSettings.SINGLETON_PK
    for name, upload, remove in (("logo", logo, remove_logo), ("favicon", favicon, remove_favicon)):
        if upload is not None:
            kind = check_brand_image(upload)
            getattr(portal_settings, name).save(upload.name or name, upload, save=False)
            setattr(portal_settings, f"{name}_type", kind)
        elif remove:
            setattr(portal_settings, name, "")
            setattr(portal_settings, f"{name}_type", "")
    portal_settings.full_clean()
    portal_settings.save()
    record_audit(
        event="portal.settings_changed",
        actor=actor,
        target=portal_settings,
        fields=sorted(set(changed_fields)),
    )
    _forget_everywhere()
    return portal_settings


@transaction.atomic
def save_glossary_term(
    *, actor: Any, glossary_term: GlossaryTerm, changed_fields: Iterable[str] = ()
) -> GlossaryTerm:
    """Add or change a glossary explanation."""
    glossary_term.full_clean()
    glossary_term.save()
    record_audit(
        event="portal.glossary_saved",
        actor=actor,
        target=glossary_term,
        slug=glossary_term.slug,
        fields=sorted(set(changed_fields)),
    )
    return glossary_term


@transaction.atomic
def delete_glossary_term(*, actor: Any, glossary_term: GlossaryTerm) -> None:
    """Remove a staff explanation (a built-in term with the same key comes back)."""
    record_audit(event="portal.glossary_deleted", actor=actor, target=glossary_term, slug=glossary_term.slug)
    glossary_term.delete()
