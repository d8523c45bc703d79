"""Portal settings that staff manage: branding, the orders label, the navigation menu, and the glossary."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.core.public_ids import new_public_id

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def validate_hex_colour(value: str) -> None:
    # Colours end up inside a <style> element: only #rrggbb is accepted, so nothing else can be injected.
    if not HEX_COLOUR.match(value or ""):
        raise ValidationError(
            _("Enter a colour as # and six hexadecimal digits, e.g. #2563eb."), code="colour"
        )


def _relative_luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    a, b = sorted((_relative_luminance(first), _relative_luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def branding_upload_path(instance: PortalSettings, filename: str) -> str:
    # A random name: the uploader's file name never reaches the disk, and a new upload gets a new URL.
    return f"branding/{new_public_id()}"


class OrdersLabel(models.TextChoices):
    ORDERS = "orders", _("Orders")
    DEALS = "deals", _("Deals")
    PROJECTS = "projects", _("Projects")
    REQUESTS = "requests", _("Requests (orders)")
    CUSTOM = "custom", _("My own words")


class PortalSettings(models.Model):
    """The one row of portal-wide settings (primary key 1). Read through ``portal.config``, never directly."""

    SINGLETON_PK = 1

    title = models.CharField(
        _("portal name"),
        max_length=80,
        blank=True,
        help_text=_("Shown in the header and in the browser tab. Empty: “Kabinet”."),
    )
    logo = models.FileField(_("logo"), upload_to=branding_upload_path, blank=True, max_length=200)
    logo_type = models.CharField(max_length=60, blank=True, editable=False)
    favicon = models.FileField(_("favicon"), upload_to=branding_upload_path, blank=True, max_length=200)
    favicon_type = models.CharField(max_length=60, blank=True, editable=False)
    brand_color = models.CharField(
        _("brand colour"),
        max_length=7,
        default="#2563eb",
        validators=[validate_hex_colour],
        help_text=_("Header, buttons and links."),
    )
    brand_text_color = models.CharField(
        _("text on the brand colour"), max_length=7, default="#ffffff", validators=[validate_hex_colour]
    )
    background_color = models.CharField(
        _("page background"), max_length=7, default="#f3f4f6", validators=[validate_hex_colour]
    )
    support_email = models.EmailField(_("support email"), blank=True)
    support_phone = models.CharField(_("support phone"), max_length=30, blank=True)
    orders_label = models.CharField(
        _("what clients call orders"),
        max_length=10,
        choices=OrdersLabel.choices,
        default=OrdersLabel.ORDERS,
        help_text=_("The built-in words are translated into every language of the portal."),
    )
    orders_label_plural = models.CharField(
        _("own word, plural"),
        max_length=40,
        blank=True,
        help_text=_(
            "Used with “My own words”, e.g. “Shipments”. An empty language reads as the default one."
        ),
    )
    orders_label_singular = models.CharField(_("own word, singular"), max_length=40, blank=True)
    # Staff choices over the registered navigation entries: [{"key", "label", "hidden"}, ...] in menu order,
    # plus extra links [{"key": "link-N", "label", "url"}]. Edited through the admin form, one row each.
    navigation = models.JSONField(_("navigation menu"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("portal settings")
        verbose_name_plural = _("portal settings")

    def save(self, *args, **kwargs) -> None:
        # The one row: readers look it up by this key, so a row saved under another (a database sequence
        # past 1) would be invisible to them.
        self.pk = self.SINGLETON_PK
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return str(_("Portal settings"))

    def clean(self) -> None:
        super().clean()
        if (
            HEX_COLOUR.match(self.brand_color or "")
            and HEX_COLOUR.match(self.brand_text_color or "")
            and contrast_ratio(self.brand_color, self.brand_text_color) < 4.5
        ):
            raise ValidationError(
                {
                    "brand_text_color": _(
                        "The text is hard to read on the brand colour (contrast %(ratio).1f:1, at least 4.5:1 "
                        "is needed). Choose a lighter or darker colour."
                    )
                    % {"ratio": contrast_ratio(self.brand_color, self.brand_text_color)}
                }
            )
        if self.orders_label == OrdersLabel.CUSTOM and not (
            self.orders_label_plural and self.orders_label_singular
        ):
            raise ValidationError(
                {"orders_label_plural": _("Enter both words (plural and singular) to use your own words.")}
            )


class GlossaryTerm(models.Model):
    """A plain-language explanation of a term (“reconciliation act”, “order stage”) linked from the pages.

    Built-in terms (``portal.glossary.BUILT_IN``) are used until staff write their own with the same key;
    an unpublished row hides a built-in term.
    """

    slug = models.SlugField(
        _("key"), max_length=60, help_text=_("Pages link to the term by this key, e.g. reconciliation-act.")
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Empty: the same text in every language."),
    )
    term = models.CharField(_("term"), max_length=120)
    explanation = models.TextField(_("explanation"), max_length=2000, blank=True)
    position = models.PositiveIntegerField(_("position"), default=100)
    is_published = models.BooleanField(_("published"), default=True)

    class Meta:
        verbose_name = _("glossary term")
        verbose_name_plural = _("glossary")
        ordering = ["position", "term"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "language"], name="portal_glossary_slug_language")
        ]

    def __str__(self) -> str:
        return self.term

    def clean(self) -> None:
        super().clean()
        if self.is_published and not (self.explanation or "").strip():
            raise ValidationError(
                {"explanation": _("Write the explanation (or unpublish the term to hide it).")}
            )
