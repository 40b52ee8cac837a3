from django.urls import path

from cacheadmin.invalidation import api, views
from cacheadmin.invalidation.consumer import InvalidationProgressConsumer

urlpatterns = [
    path("invalidations/", views.invalidation_list, name="invalidations"),
    path("invalidations/new", views.invalidation_new, name="invalidation_new"),
    path("invalidations/<int:job_id>/", views.invalidation_page, name="invalidation"),
    path(
        "invalidations/<int:job_id>/cancel",
        views.invalidation_cancel,
        name="invalidation_cancel",
    ),
    path("api/invalidations", api.api_invalidate, name="api_invalidate"),
    path("api/invalidations/<int:job_id>", api.api_invalidation, name="api_invalidation"),
    path(
        "api/invalidations/<int:job_id>/cancel",
        api.api_invalidation_cancel,
        name="api_invalidation_cancel",
    ),
]

websocket_urlpatterns = [
    path("ws/invalidations/<int:job_id>/", InvalidationProgressConsumer.as_asgi()),
]
