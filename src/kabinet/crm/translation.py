"""Texts of the CRM that staff type and clients read, one column per language (django-modeltranslation)."""

from modeltranslation.translator import TranslationOptions, register

from kabinet.crm.models import Pipeline, Stage


@register(Pipeline)
class PipelineTranslation(TranslationOptions):
    fields = ("client_name",)


@register(Stage)
class StageTranslation(TranslationOptions):
    fields = ("client_name", "client_description")
