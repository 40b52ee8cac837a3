from django.urls import path

from cacheadmin.cache import api, views

urlpatterns = [
    path("cache/", views.cache_models, name="cache"),
    path("cache/m/<str:name>/", views.cache_model, name="cache_model"),
    path("cache/m/<str:name>/lookup", views.cache_lookup, name="cache_lookup"),
    path("cache/m/<str:name>/checks", views.check_start_view, name="cache_check_start"),
    path("cache/checks/<uuid:check_id>/", views.check_page, name="cache_check"),
    path("cache/checks/<uuid:check_id>/step", views.check_step_view, name="cache_check_step"),
    path("cache/checks/<uuid:check_id>/stop", views.check_stop_view, name="cache_check_stop"),
    path("api/cache/models", api.api_cache_models, name="api_cache_models"),
]
