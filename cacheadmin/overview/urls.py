from django.urls import path

from cacheadmin.overview import api, views

urlpatterns = [
    path("", views.overview, name="overview"),
    path("redis/reset-stats/", views.redis_reset_stats, name="redis_reset_stats"),
    path("healthz", views.healthz, name="healthz"),
    path("overview/row/<kind>", views.overview_row, name="overview_row"),
    path("api/overview", api.overview_api, name="api_overview"),
]
