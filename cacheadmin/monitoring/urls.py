from django.urls import path

from cacheadmin.monitoring import api, views

urlpatterns = [
    path("history/rq", views.rq_charts, name="rq_history"),
    path("metrics", views.metrics, name="metrics"),
    path("api/history", api.api_history, name="api_history"),
]
