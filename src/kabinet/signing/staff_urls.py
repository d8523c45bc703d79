from django.urls import path

from kabinet.signing.views import staff

app_name = "signing_staff"

urlpatterns = [
    path("", staff.queue, name="queue"),
    path("<pid:public_id>/", staff.detail, name="detail"),
    path("<pid:public_id>/log/", staff.audit_log, name="audit_log"),
    path("<pid:public_id>/signed/", staff.signed_file, name="signed_file"),
]
