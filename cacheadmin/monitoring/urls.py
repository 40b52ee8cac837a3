from django.urls import path

from cacheadmin.monitoring import alert_views, api, views

urlpatterns = [
    path("history/rq", views.rq_charts, name="rq_history"),
    path("metrics", views.metrics, name="metrics"),
    path("api/history", api.api_history, name="api_history"),
    path("api/alerts", api.api_alerts, name="api_alerts"),
    path("alerts/", alert_views.alerts, name="alerts"),
    path("alerts/<int:rule_id>", alert_views.alert, name="alert"),
    path("alerts/<int:rule_id>/edit", alert_views.alert_edit, name="alert_edit"),
    path("alerts/<int:rule_id>/delete", alert_views.alert_delete, name="alert_delete"),
    path("alerts/<int:rule_id>/silence", alert_views.alert_silence, name="alert_silence"),
    path("alerts/<int:rule_id>/unsilence", alert_views.alert_unsilence, name="alert_unsilence"),
]
