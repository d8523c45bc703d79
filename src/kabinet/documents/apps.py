from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "kabinet.documents"
    label = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from kabinet.crm.timeline import register_app_events
        from kabinet.documents import events

        register_app_events(events)
        from kabinet.documents import personal_data

        personal_data.register()

        from kabinet.documents import portal

        portal.register()

        from kabinet.documents.models import Document
        from kabinet.documents.selectors import documents_visible_to
        from kabinet.files.subjects import register_subject

        register_subject(Document, documents_visible_to)  # a draft's PDF stays hidden with the draft
