from django.urls import path

from kabinet.billing.views import portal as views

app_name = "billing"

urlpatterns = [
    path("invoices/", views.invoices, name="invoices"),
    path("invoices/latest/", views.latest, name="latest"),
    path("invoices/<pid:public_id>/", views.detail, name="invoice"),
    path("invoices/<pid:public_id>/file/", views.file, name="invoice_file"),
]
