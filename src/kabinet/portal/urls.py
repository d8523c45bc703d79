from django.urls import path

from kabinet.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("company/", views.switch_company, name="switch_company"),
]
