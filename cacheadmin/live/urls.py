from django.urls import path

from cacheadmin.live import views
from cacheadmin.live.consumer import LiveConsumer

urlpatterns = [
    path("live/", views.live_page, name="live"),
    path("live/keyspace-events", views.keyspace_events, name="live_keyspace_events"),
]

websocket_urlpatterns = [
    path("ws/live/", LiveConsumer.as_asgi()),
]
