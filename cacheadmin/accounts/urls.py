from django.contrib.auth import views as auth_views
from django.urls import path

from cacheadmin.accounts import views
from cacheadmin.web.access import role_not_required

urlpatterns = [
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/tokens/", views.token_create_view, name="token_create"),
    path("accounts/tokens/<int:token_id>/revoke", views.token_revoke_view, name="token_revoke"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", role_not_required(auth_views.LogoutView.as_view()), name="logout"),
    path(
        "accounts/password/",
        role_not_required(auth_views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        role_not_required(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
]
