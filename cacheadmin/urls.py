"""Every capability's URLs, and the websocket routes (see dashboard/asgi.py)."""

from django.urls import include, path, re_path

from cacheadmin.core.json_api import api_not_found
from cacheadmin.invalidation.urls import websocket_urlpatterns as invalidation_sockets
from cacheadmin.live.urls import websocket_urlpatterns as live_sockets
from cacheadmin.openapi import openapi_json

urlpatterns = [
    path("", include("cacheadmin.overview.urls")),
    path("", include("cacheadmin.keys.urls")),
    path("", include("cacheadmin.cache.urls")),
    path("", include("cacheadmin.invalidation.urls")),
    path("", include("cacheadmin.queues.urls")),
    path("", include("cacheadmin.live.urls")),
    path("", include("cacheadmin.audit.urls")),
    path("", include("cacheadmin.accounts.urls")),
    path("api/openapi.json", openapi_json, name="api_openapi"),
    # Last: any other /api/ path is a JSON 404, not an HTML page.
    re_path(r"^api/(?P<rest>.*)$", api_not_found, name="api_not_found"),
]

# Every one of them sits behind cacheadmin.core.websockets.protected.
websocket_urlpatterns = [*invalidation_sockets, *live_sockets]
