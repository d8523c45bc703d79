from django.urls import path

from kabinet.files import views

app_name = "files"

urlpatterns = [
    path("staff/files/<pid:public_id>/download/", views.staff_download, name="staff_download"),
    path("files/", views.archive, name="archive"),
    path("files/<pid:public_id>/", views.download, name="download"),
]
