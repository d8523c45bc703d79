"""Texts of tickets that staff type and clients read, one column per language (django-modeltranslation)."""

from modeltranslation.translator import TranslationOptions, register

from kabinet.tickets.models import TicketCategory, TicketSettings


@register(TicketCategory)
class TicketCategoryTranslation(TranslationOptions):
    fields = ("name",)


@register(TicketSettings)
class TicketSettingsTranslation(TranslationOptions):
    fields = ("label",)
