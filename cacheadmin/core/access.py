"""Who may reach what: login and role on every view, operator-only mutations."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django_htmx.http import HttpResponseClientRedirect

from cacheadmin.core.instances import DEFAULT
from cacheadmin.core.json_api import FORBIDDEN, LOGIN_REQUIRED, api_error, is_api
from cacheadmin.core.roles import can_operate, can_view, role_name
from cacheadmin.core.tokens import token_user


class ApiTokenMiddleware:
    """`Authorization: Bearer <token>` on /api/ logs the request in as the token's owner.

    Such a request carries no cookie, so there is nothing for CSRF to protect.
    A token that is wrong is refused outright rather than ignored.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        if is_api(request) and header:
            scheme, _, secret = header.partition(" ")
            user = token_user(secret.strip()) if scheme.lower() == "bearer" else None
            if user is None:
                return api_error(LOGIN_REQUIRED, "This API token is wrong or revoked.")
            request.user = user
            request._dont_enforce_csrf_checks = True
        return self.get_response(request)


class DashboardAccessMiddleware(LoginRequiredMiddleware):
    """Login on every view unless marked @login_not_required, then a role.

    APIs answer 401/403 in JSON instead of redirecting to the login page.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        if not request.user.is_authenticated:
            return self.handle_no_permission(request, view_func)
        if not can_view(request.user) and getattr(view_func, "role_required", True):
            if is_api(request):
                return api_error(FORBIDDEN, "Your account has no role yet: ask an admin.")
            raise PermissionDenied(
                "Your account has no role yet: ask an admin for viewer or operator."
            )
        return None

    def handle_no_permission(self, request, view_func):
        if is_api(request):
            message = "Log in, or send a personal API token (Authorization: Bearer ...)."
            return api_error(LOGIN_REQUIRED, message)
        response = super().handle_no_permission(request, view_func)
        if getattr(request, "htmx", False):
            # A fragment refresh after the session expired: send the whole tab
            # to the login page instead of swapping the login form into a card.
            return HttpResponseClientRedirect(response.url)
        return response


def role_not_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A login, but no role: what a user with no role may still do with their own
    account (log out, change their password)."""
    view.role_required = False
    return view


def operator_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Only operators; the view itself limits methods (mutations are POST only)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not can_operate(request.user, request.instance):
            if is_api(request):
                return api_error(FORBIDDEN, "Only operators may do this.")
            raise PermissionDenied("Only operators may do this.")
        return view(request, *args, **kwargs)

    return wrapped


def role_context(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None:
        return {}
    instance = getattr(request, "instance", DEFAULT)
    return {"role": role_name(user, instance), "is_operator": can_operate(user, instance)}
