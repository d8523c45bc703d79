from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from kabinet.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # The back office signs in through the portal's sign-in page (codes, two-factor, rate limits, audit).
    path("admin/login/", RedirectView.as_view(url="/accounts/login/", query_string=True)),
    path("admin/", admin.site.urls),
    path("accounts/", include("kabinet.accounts.urls")),
    path("accounts/", include("allauth.account.urls")),
    path("accounts/2fa/", include("allauth.mfa.urls")),
    path("", include("kabinet.files.urls")),
    path("tickets/", include("kabinet.tickets.urls")),
    path("staff/tickets/", include("kabinet.tickets.staff_urls")),
    path("", include("kabinet.crm.urls")),
    path("", include("kabinet.documents.urls")),
    path("", include("kabinet.signing.urls")),
    path("staff/signatures/", include("kabinet.signing.staff_urls")),
    path("", include("kabinet.billing.urls")),
    path("", include("kabinet.bookings.urls")),
    path("", include("kabinet.payments.urls")),
    path("", include("kabinet.notifications.urls")),
    path("", include("kabinet.messaging.urls")),
    path("", include("kabinet.api.urls")),
    path("", include("kabinet.webhooks.urls")),
    path("", include("kabinet.portal.urls")),
]
handler500 = "kabinet.core.views.server_error"
