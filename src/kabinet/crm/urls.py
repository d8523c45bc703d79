from django.urls import path

from kabinet.crm.views import portal as views

app_name = "crm"

urlpatterns = [
    path("orders/", views.orders, name="orders"),
    path("orders/<pid:public_id>/", views.order_detail, name="order"),
    path("orders/<pid:public_id>/decision/", views.order_decision, name="order_decision"),
    path("history/", views.history, name="history"),
    path("me/", views.profile, name="profile"),
    path("me/edit/", views.profile_edit, name="profile_edit"),
    path("me/verify/", views.verify_address, name="verify_address"),
    path("me/companies/<pid:public_id>/", views.company, name="company"),
    path("me/companies/<pid:public_id>/edit/", views.company_edit, name="company_edit"),
    path("me/colleagues/", views.colleagues, name="colleagues"),
    path("me/colleagues/<pid:public_id>/role/", views.colleague_role, name="colleague_role"),
    path("me/colleagues/<pid:public_id>/remove/", views.colleague_remove, name="colleague_remove"),
]
