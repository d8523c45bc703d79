"""ASGI entry point: HTTP through Django, WebSockets through Channels (Origin checked by scheme, host and port;
session-authenticated)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kabinet.config.settings")

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402

django_application = get_asgi_application()

from kabinet.core.origin import SameOriginValidator  # noqa: E402
from kabinet.messaging.routing import websocket_urlpatterns as messaging_sockets  # noqa: E402

websocket_urlpatterns: list = [*messaging_sockets]

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": SameOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
