from django.urls import path

from kabinet.messaging.consumers import PortalConsumer, StaffConsumer

websocket_urlpatterns = [
    path("ws/portal/", PortalConsumer.as_asgi(), name="ws_portal"),
    path("ws/staff/", StaffConsumer.as_asgi(), name="ws_staff"),
]
