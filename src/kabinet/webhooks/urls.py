from django.urls import path

from kabinet.webhooks import views

app_name = "webhooks"
urlpatterns = [path("hooks/in/<str:path_secret>/", views.receive, name="inbox")]
