from django.contrib.auth import views as auth_views
from django.urls import path, re_path, register_converter

from cacheadmin.converters import KeyConverter
from cacheadmin.views import (
    account,
    api,
    api_invalidations,
    api_keys,
    audit,
    cache,
    health,
    invalidations,
    keys,
    namespaces,
    overview,
    queues,
)

register_converter(KeyConverter, "key")

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("redis/reset-stats/", overview.redis_reset_stats, name="redis_reset_stats"),
    path("audit/", audit.audit_list, name="audit"),
    path("cache/", cache.cache_models, name="cache"),
    path("cache/m/<str:name>/", cache.cache_model, name="cache_model"),
    path("cache/m/<str:name>/lookup", cache.cache_lookup, name="cache_lookup"),
    path("cache/m/<str:name>/checks", cache.check_start_view, name="cache_check_start"),
    path("cache/checks/<uuid:check_id>/", cache.check_page, name="cache_check"),
    path("cache/checks/<uuid:check_id>/step", cache.check_step_view, name="cache_check_step"),
    path("cache/checks/<uuid:check_id>/stop", cache.check_stop_view, name="cache_check_stop"),
    path("invalidations/", invalidations.invalidation_list, name="invalidations"),
    path("invalidations/new", invalidations.invalidation_new, name="invalidation_new"),
    path("invalidations/<int:job_id>/", invalidations.invalidation_page, name="invalidation"),
    path(
        "invalidations/<int:job_id>/cancel",
        invalidations.invalidation_cancel,
        name="invalidation_cancel",
    ),
    path("queues/", queues.queue_list, name="queues"),
    path("keys/", keys.key_list, name="keys"),
    path("keys/namespaces/", namespaces.namespace_sample, name="namespaces"),
    path("keys/namespaces/scans/", namespaces.namespace_scan_start, name="namespace_scan_start"),
    path("keys/namespaces/scans/<uuid:scan_id>/", namespaces.namespace_scan, name="namespace_scan"),
    path(
        "keys/namespaces/scans/<uuid:scan_id>/step",
        namespaces.namespace_scan_step,
        name="namespace_scan_step",
    ),
    path(
        "keys/namespaces/scans/<uuid:scan_id>/stop",
        namespaces.namespace_scan_stop,
        name="namespace_scan_stop",
    ),
    path("keys/k/<key:encoded>", keys.key_detail, name="key_detail"),
    path("keys/delete/<key:encoded>", keys.key_delete, name="key_delete"),
    path("keys/ttl/<key:encoded>", keys.key_set_ttl, name="key_set_ttl"),
    path("keys/persist/<key:encoded>", keys.key_remove_ttl, name="key_remove_ttl"),
    path("healthz", health.healthz, name="healthz"),
    path("api/overview", overview.overview_api, name="api_overview"),
    path("api/keys", api_keys.api_keys, name="api_keys"),
    path("api/keys/<key:encoded>", api_keys.api_key, name="api_key"),
    path("api/cache/models", cache.api_cache_models, name="api_cache_models"),
    path("api/queues", queues.api_queues, name="api_queues"),
    path("api/invalidations", api_invalidations.api_invalidate, name="api_invalidate"),
    path(
        "api/invalidations/<int:job_id>",
        api_invalidations.api_invalidation,
        name="api_invalidation",
    ),
    path(
        "api/invalidations/<int:job_id>/cancel",
        api_invalidations.api_invalidation_cancel,
        name="api_invalidation_cancel",
    ),
    re_path(r"^api/(?P<rest>.*)$", api.api_not_found, name="api_not_found"),
    path("accounts/profile/", account.profile, name="profile"),
    path("accounts/tokens/", account.token_create_view, name="token_create"),
    path("accounts/tokens/<int:token_id>/revoke", account.token_revoke_view, name="token_revoke"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]
