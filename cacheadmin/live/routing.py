"""Websocket routes; every one of them sits behind cacheadmin.live.stack.protected."""

from django.urls import path

from cacheadmin.live.consumer import LiveConsumer
from cacheadmin.live.jobs import JobProgressConsumer

websocket_urlpatterns: list = [
    path("ws/invalidations/<int:job_id>/", JobProgressConsumer.as_asgi()),
    path("ws/live/", LiveConsumer.as_asgi()),
]
