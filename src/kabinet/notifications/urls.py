from django.urls import path

from kabinet.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/settings/", views.preferences, name="preferences"),
    path("notifications/read-all/", views.notification_mark_all_read, name="mark_all_read"),
    path("notifications/push/subscribe/", views.push_subscribe, name="push_subscribe"),
    path("notifications/push/unsubscribe/", views.push_unsubscribe, name="push_unsubscribe"),
    path("notifications/sw.js", views.service_worker, name="service_worker"),
    path("notifications/<pid:public_id>/", views.notification_open, name="open"),
    path("notifications/<pid:public_id>/read/", views.notification_mark_read, name="mark_read"),
]
