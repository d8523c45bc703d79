from django.urls import path, re_path

from kabinet.signing.views import portal, public

app_name = "signing"

urlpatterns = [
    path("documents/<pid:public_id>/sign/", portal.sign, name="sign"),
    path("documents/<pid:public_id>/sign/file/", portal.document_pdf, name="document_pdf"),
    path("documents/<pid:public_id>/signed/", portal.signed_file, name="signed_file"),
    path("documents/<pid:public_id>/signature-log/", portal.audit_log, name="audit_log"),
    path("verify/", public.verify, name="verify"),
    re_path(r"^verify/(?P<signature_id>KB-[A-Z0-9-]{14})/$", public.verify_id, name="verify_id"),
]
