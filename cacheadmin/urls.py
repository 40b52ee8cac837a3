from django.contrib.auth import views as auth_views
from django.urls import path

from cacheadmin.views import audit, health, overview

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("redis/reset-stats/", overview.redis_reset_stats, name="redis_reset_stats"),
    path("audit/", audit.audit_list, name="audit"),
    path("healthz", health.healthz, name="healthz"),
    path("api/overview", overview.overview_api, name="api_overview"),
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
