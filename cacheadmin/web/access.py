"""Who may reach what: login and role on every view, operator-only mutations."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth import get_user_model
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django_htmx.http import HttpResponseClientRedirect

from cacheadmin.gateways import connections
from cacheadmin.gateways.instances import DEFAULT
from cacheadmin.models import AuditEntry
from cacheadmin.web.audit import audit_record
from cacheadmin.web.json_api import FORBIDDEN, LOGIN_REQUIRED, api_error, is_api
from cacheadmin.web.roles import can_operate, can_view, role_name
from cacheadmin.web.tokens import token_user


def known_instances() -> list[str]:
    """Every instance name, Redis or RabbitMQ, default first."""
    configured = connections.instances()
    names = set(configured.redis) | set(configured.rabbitmq)
    return sorted(names, key=lambda name: (name != DEFAULT, name))


def instance_for(
    user: AbstractBaseUser | AnonymousUser, name: str, *, operate: bool = False
) -> connections.Instance | None:
    """The one access check of every entry point (pages and APIs, the live socket, the
    job socket): the instance `name` when it exists and the user, still active, has a
    role there (an operator's when operate); None otherwise, telling no more."""
    if name not in known_instances():
        return None
    allowed = can_operate(user, name) if operate else can_view(user, name)
    return connections.instance(name) if allowed else None


def reloaded(user: AbstractBaseUser | AnonymousUser) -> AbstractBaseUser | AnonymousUser:
    """The user as the database has them now (active? which roles?): a socket's user
    was read when it opened, and an account may be deactivated or lose a role since."""
    if not user.is_authenticated:
        return user
    return get_user_model()._default_manager.filter(pk=user.pk).first() or AnonymousUser()


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
        if not instance_for(request.user, request.instance.name, operate=True):
            if request.method not in ("GET", "HEAD", "OPTIONS"):  # a change was tried
                audit_forbidden(request)
            if is_api(request):
                return api_error(FORBIDDEN, "Only operators may do this.")
            raise PermissionDenied("Only operators may do this.")
        return view(request, *args, **kwargs)

    return wrapped


def audit_forbidden(request: HttpRequest) -> None:
    """A change a user without the operator role tried: who, where, what."""
    audit_refused_change(request, instance=request.instance, action="access.forbidden")


def audit_refused_change(
    request: HttpRequest, *, instance: connections.Instance | None, action: str
) -> None:
    """A change refused to a user who is no operator there: as the action asked, on the
    instance it was about (None: not known, as a new alert rule's)."""
    audit_record(
        user=request.user,
        instance=instance,
        action=action,
        target=f"{request.method} {request.get_full_path()[:500]}",
        outcome=AuditEntry.Outcome.REFUSED,
        error="Only operators may do this.",
    )


def role_context(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None:
        return {}
    name = request.instance.name if hasattr(request, "instance") else DEFAULT
    return {"role": role_name(user, name), "is_operator": can_operate(user, name)}
