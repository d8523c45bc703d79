from django.urls import path

from kabinet.payments.views import portal as views

app_name = "payments"

urlpatterns = [
    path("invoices/<pid:public_id>/pay/", views.pay, name="pay"),
    path("payments/<pid:public_id>/return/", views.returned, name="return"),
    path("pay/sandbox/<str:payment_id>/", views.sandbox, name="sandbox"),
]
