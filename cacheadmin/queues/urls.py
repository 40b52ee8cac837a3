from django.urls import path

from cacheadmin.queues import api, exchange_views, queue_views, views

urlpatterns = [
    path("queues/", views.queue_list, name="queues"),
    path("queues/q", queue_views.queue_page, name="queue"),
    path("queues/redis/<key:encoded>", views.redis_queue, name="redis_queue"),
    path("queues/exchanges/", exchange_views.exchange_list, name="exchanges"),
    path("queues/exchange", exchange_views.exchange_detail, name="exchange"),
    path("queues/peek", queue_views.queue_peek, name="queue_peek"),
    path("queues/purge", queue_views.queue_purge, name="queue_purge"),
    path("queues/publish", queue_views.queue_publish, name="queue_publish"),
    path("api/queues", api.api_queues, name="api_queues"),
]
