from django.urls import path

from kabinet.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("login/code/confirm/", views.ConfirmLoginCodeView.as_view(), name="confirm_login_code"),
    path("consent/", views.consent, name="consent"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("language/", views.set_language, name="set_language"),
    path("invitation/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("company/", views.choose_company, name="choose_company"),
    path("", views.overview, name="overview"),
    path("identities/", views.identities, name="identities"),
    path("sessions/", views.sessions, name="sessions"),
    path("two-factor/start/", views.mfa_setup, name="mfa_setup"),
    path("delete/", views.delete_account, name="delete"),
    path("export/", views.export_page, name="export"),
    path("export/download/", views.export_download, name="export_download"),
]
