from django.urls import path

from kabinet.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("company/", views.switch_company, name="switch_company"),
    path("nav/badges/", views.nav_badges, name="nav_badges"),
    path("more/", views.more, name="more"),
    path("staff/", views.staff_home, name="staff_home"),
    path("help/", views.glossary, name="glossary"),
    path("help/<slug:slug>/", views.term, name="term"),
    path("brand/logo", views.logo, name="logo"),
    path("brand/favicon", views.favicon, name="favicon"),
]
