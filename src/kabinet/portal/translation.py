"""Branding texts and own words of the portal, one column per language (django-modeltranslation)."""

from modeltranslation.translator import TranslationOptions, register

from kabinet.portal.models import PortalSettings


@register(PortalSettings)
class PortalSettingsTranslation(TranslationOptions):
    fields = ("title", "orders_label_plural", "orders_label_singular")
