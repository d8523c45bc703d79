"""Random public identifiers: what URLs, the API and exports carry instead of sequential keys."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

PUBLIC_ID_BYTES = 16  # 128 bits of randomness
PUBLIC_ID_LENGTH = 22  # len(token_urlsafe(16))
PUBLIC_ID_PATTERN = r"[A-Za-z0-9_-]{22}"


def new_public_id() -> str:
    """A URL-safe random id with 128 bits of entropy."""
    return secrets.token_urlsafe(PUBLIC_ID_BYTES)


class PublicIdConverter:
    """``<pid:public_id>`` in URL patterns: anything malformed never reaches a view and answers 404."""

    regex = PUBLIC_ID_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class PublicModel(models.Model):
    """Base for every client-visible object: a random public id besides the key, and timestamps."""

    public_id = models.CharField(
        _("public id"), max_length=PUBLIC_ID_LENGTH, unique=True, default=new_public_id, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True
