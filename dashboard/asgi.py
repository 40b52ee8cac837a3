"""One ASGI application for HTTP and websockets (served by daphne)."""

import os

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
# Django must be set up before anything imports models (consumers, auth).
http_application = get_asgi_application()

from cacheadmin.urls import websocket_urlpatterns  # noqa: E402
from cacheadmin.web.websockets import protected  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": http_application,
        "websocket": protected(websocket_urlpatterns),
    }
)
