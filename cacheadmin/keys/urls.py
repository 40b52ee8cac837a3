from django.urls import path

from cacheadmin.keys import api, namespace_views, views

urlpatterns = [
    path("keys/", views.key_list, name="keys"),
    path("keys/k/<key:encoded>", views.key_detail, name="key_detail"),
    path("keys/delete/<key:encoded>", views.key_delete, name="key_delete"),
    path("keys/ttl/<key:encoded>", views.key_set_ttl, name="key_set_ttl"),
    path("keys/persist/<key:encoded>", views.key_remove_ttl, name="key_remove_ttl"),
    path("keys/namespaces/", namespace_views.namespace_sample, name="namespaces"),
    path(
        "keys/namespaces/scans/",
        namespace_views.namespace_scan_start,
        name="namespace_scan_start",
    ),
    path(
        "keys/namespaces/scans/<uuid:scan_id>/",
        namespace_views.namespace_scan,
        name="namespace_scan",
    ),
    path(
        "keys/namespaces/scans/<uuid:scan_id>/step",
        namespace_views.namespace_scan_step,
        name="namespace_scan_step",
    ),
    path(
        "keys/namespaces/scans/<uuid:scan_id>/stop",
        namespace_views.namespace_scan_stop,
        name="namespace_scan_stop",
    ),
    path("api/keys", api.api_keys, name="api_keys"),
    path("api/keys/<key:encoded>", api.api_key, name="api_key"),
]
