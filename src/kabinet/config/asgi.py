"""ASGI entry point: HTTP through Django, WebSockets through Channels (Origin checked, session-authenticated)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kabinet.config.settings")

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402

django_application = get_asgi_application()

from kabinet.messaging.routing import websocket_urlpatterns as messaging_sockets  # noqa: E402

websocket_urlpatterns: list = [*messaging_sockets]

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
