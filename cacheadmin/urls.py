"""Every capability's URLs, and the websocket routes (see dashboard/asgi.py)."""

from django.urls import include, path, re_path

from cacheadmin.analysis import openapi as analysis_api
from cacheadmin.analysis.urls import websocket_urlpatterns as analysis_sockets
from cacheadmin.cache import openapi as cache_api
from cacheadmin.invalidation import openapi as invalidation_api
from cacheadmin.invalidation.urls import websocket_urlpatterns as invalidation_sockets
from cacheadmin.keys import openapi as keys_api
from cacheadmin.live.urls import websocket_urlpatterns as live_sockets
from cacheadmin.monitoring import openapi as monitoring_api
from cacheadmin.overview import openapi as overview_api
from cacheadmin.queues import openapi as queues_api
from cacheadmin.tasks import openapi as tasks_api
from cacheadmin.web.json_api import api_not_found
from cacheadmin.web.openapi import document, document_view

# The JSON API's OpenAPI document: each capability describes its own endpoints.
OPENAPI = document(
    overview_api.PATHS,
    keys_api.PATHS,
    cache_api.PATHS,
    invalidation_api.PATHS,
    queues_api.PATHS,
    tasks_api.PATHS,
    analysis_api.PATHS,
    monitoring_api.PATHS,
)

urlpatterns = [
    path("", include("cacheadmin.overview.urls")),
    path("", include("cacheadmin.keys.urls")),
    path("", include("cacheadmin.cache.urls")),
    path("", include("cacheadmin.invalidation.urls")),
    path("", include("cacheadmin.queues.urls")),
    path("", include("cacheadmin.tasks.urls")),
    path("", include("cacheadmin.monitoring.urls")),
    path("", include("cacheadmin.analysis.urls")),
    path("", include("cacheadmin.live.urls")),
    path("", include("cacheadmin.audit.urls")),
    path("", include("cacheadmin.accounts.urls")),
    path("api/openapi.json", document_view(OPENAPI), name="api_openapi"),
    # Last: any other /api/ path is a JSON 404, not an HTML page.
    re_path(r"^api/(?P<rest>.*)$", api_not_found, name="api_not_found"),
]

# Every one of them sits behind cacheadmin.web.websockets.protected.
websocket_urlpatterns = [*invalidation_sockets, *analysis_sockets, *live_sockets]
