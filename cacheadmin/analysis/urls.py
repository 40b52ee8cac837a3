from django.urls import path

from cacheadmin.analysis import api, report_views, views
from cacheadmin.analysis.consumer import AnalysisProgressConsumer

urlpatterns = [
    path("diagnostics/", views.diagnostics_home, name="diagnostics_home"),
    path("diagnostics/slowlog/reset", views.slowlog_reset, name="slowlog_reset"),
    path("diagnostics/clients/kill", views.client_kill, name="client_kill"),
    path("diagnostics/<str:page>", views.diagnostics_page, name="diagnostics"),
    path("analyses/", report_views.analyses, name="analyses"),
    path("analyses/compare", report_views.analyses_compare, name="analyses_compare"),
    path("analyses/<int:analysis_id>", report_views.analysis_page, name="analysis"),
    path("analyses/<int:analysis_id>/stop", report_views.analysis_stop, name="analysis_stop"),
    path("api/slowlog", api.api_slowlog, name="api_slowlog"),
    path("api/clients", api.api_clients, name="api_clients"),
    path("api/commandstats", api.api_commandstats, name="api_commandstats"),
    path("api/analyses", api.api_analyses, name="api_analyses"),
    path("api/analyses/<int:id>", api.api_analysis, name="api_analysis"),
]

websocket_urlpatterns = [
    path("ws/analyses/<int:analysis_id>/", AnalysisProgressConsumer.as_asgi()),
]
