"""Texts of bookings that staff type and clients read, one column per language (django-modeltranslation)."""

from modeltranslation.translator import TranslationOptions, register

from kabinet.bookings.models import Branch, Event, Service, Specialist


@register(Branch)
class BranchTranslation(TranslationOptions):
    fields = ("name", "address")


@register(Service)
class ServiceTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Specialist)
class SpecialistTranslation(TranslationOptions):
    fields = ("name", "title")


@register(Event)
class EventTranslation(TranslationOptions):
    fields = ("title", "description")
