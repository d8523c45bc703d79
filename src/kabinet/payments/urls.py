from django.urls import path

from kabinet.payments.views import portal as views

app_name = "payments"

urlpatterns = [
    path("invoices/<pid:public_id>/pay/", views.pay, name="pay"),
    path("invoices/<pid:public_id>/redeem/", views.redeem_view, name="redeem"),
    path("invoices/<pid:public_id>/slip/", views.slip, name="slip"),
    path("payments/<pid:public_id>/return/", views.returned, name="return"),
    path("account/balance/", views.account, name="account"),
    path("pay/sandbox/<str:payment_id>/", views.sandbox, name="sandbox"),
]
