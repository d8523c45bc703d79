from django.urls import path

from kabinet.documents.views import portal as views

app_name = "documents"

urlpatterns = [
    path("documents/", views.documents, name="list"),
    path("documents/<pid:public_id>/", views.detail, name="detail"),
    path("documents/<pid:public_id>/file/", views.file, name="file"),
]
