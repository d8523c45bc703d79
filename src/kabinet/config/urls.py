from django.contrib import admin
from django.urls import include, path

from kabinet.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("kabinet.accounts.urls")),
    path("", include("kabinet.files.urls")),
    path("", include("kabinet.notifications.urls")),
    path("", include("kabinet.messaging.urls")),
    path("", include("kabinet.portal.urls")),
]
