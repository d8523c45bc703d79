from django.urls import path

from kabinet.bookings.views import portal as views
from kabinet.bookings.views import public as public_views
from kabinet.bookings.views import staff as staff_views

app_name = "bookings"

urlpatterns = [
    path("bookings/", views.bookings, name="list"),
    path("bookings/new/", views.services, name="new"),
    path("bookings/new/<pid:service_id>/", views.slots, name="slots"),
    path("bookings/new/<pid:service_id>/confirm/", views.confirm, name="confirm"),
    path("bookings/<pid:public_id>/", views.detail, name="detail"),
    path("bookings/<pid:public_id>/cancel/", views.cancel, name="cancel"),
    path("bookings/<pid:public_id>/reschedule/", views.reschedule, name="reschedule"),
    path("bookings/<pid:public_id>/calendar.ics", views.ics, name="ics"),
    path("bookings/feed/", views.feed_new, name="feed_new"),
    path("bookings/feed/<str:token>.ics", views.feed, name="feed"),
    path("events/", views.events, name="events"),
    path("events/<pid:public_id>/", views.event, name="event"),
    path("events/<pid:public_id>/register/", views.register, name="register"),
    path("seats/<pid:public_id>/cancel/", views.cancel_seat, name="cancel_seat"),
    path("book/", public_views.services, name="public"),
    path("book/verify/", public_views.verify, name="public_verify"),
    path("book/mine/<pid:public_id>/", public_views.booking, name="public_booking"),
    path("book/mine/<pid:public_id>/cancel/", public_views.cancel, name="public_cancel"),
    path("book/<pid:service_id>/", public_views.slots, name="public_slots"),
    path("book/<pid:service_id>/confirm/", public_views.confirm, name="public_confirm"),
    path("staff/bookings/", staff_views.day, name="staff_day"),
    path("staff/bookings/week/", staff_views.week, name="staff_week"),
    path("staff/bookings/<pid:public_id>/<str:action>/", staff_views.act, name="staff_act"),
]
