"""The instance a request is about, carried in its URL: /i/<name>/keys/ is the key
browser of the instance `name`, /keys/ that of `default`; an /api/ URL may also say
?instance=name.

The /i/<name>/ prefix is taken off the path before the URLs are resolved and becomes
the script prefix, as if the dashboard were mounted there: every reverse(), {% url %}
and redirect on that page then keeps the instance, with nothing to pass around."""

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import get_script_prefix, set_script_prefix

from cacheadmin.gateways import connections
from cacheadmin.gateways.instances import DEFAULT, NAME
from cacheadmin.web.access import instance_for, known_instances
from cacheadmin.web.json_api import BAD_REQUEST, NOT_FOUND, api_error, is_api
from cacheadmin.web.json_api import INSTANCE_PREFIX as PREFIX
from cacheadmin.web.roles import can_view


def split_instance(path_info: str) -> tuple[str | None, str]:
    """("name", "/rest") for /i/name/rest, or (None, path_info)."""
    match = PREFIX.match(path_info)
    return (match.group(1), match.group(2)) if match else (None, path_info)


def instance_path(name: str, path_info: str) -> str:
    """The same page on another instance, from the path without its prefix."""
    return path_info if name == DEFAULT else f"/i/{name}{path_info}"


def visible_instances(user) -> list[str]:
    """The instances the user may see: the others are never named to them."""
    return [name for name in known_instances() if can_view(user, name)]


def visible_to(request: HttpRequest) -> list[str]:
    """visible_instances of the request's user, worked out once per request (the
    middleware, the switcher and the view all ask)."""
    if not hasattr(request, "_visible_instances"):
        request._visible_instances = visible_instances(request.user)
    return request._visible_instances


class InstanceMiddleware:
    """Sets request.instance, the Instance the request is about, resolved once for the
    whole request. An instance that does not exist is a 404, told only after the login
    (a stranger learns no names): this goes after the access check."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name, rest = split_instance(request.path_info)
        if name is None and is_api(request):
            name = request.GET.get("instance")
        request.instance = connections.instance(name or DEFAULT)
        request.instance_named = name is not None
        request.instance_malformed = name is not None and not NAME.match(name)
        if rest == request.path_info:
            return self.get_response(request)
        script_name = request.path[: len(request.path) - len(request.path_info)]
        request.path_info = rest
        before = get_script_prefix()
        set_script_prefix(f"{script_name}/i/{name}/")
        try:
            return self.get_response(request)
        finally:
            set_script_prefix(before)  # the test client does not set it per request

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        # The login page and /healthz, logging out and one's password: about no instance.
        if not getattr(view_func, "login_required", True):
            return None
        if not getattr(view_func, "role_required", True):
            return None
        if request.instance_malformed and is_api(request):  # ?instance= empty or not a name
            return api_error(
                BAD_REQUEST,
                "instance is an instance's name: lower-case letters, digits, _ and -.",
                fields={"instance": ["Not an instance's name."]},
            )
        if getattr(view_func, "every_instance", False) and not request.instance_named:
            return None
        if instance_for(request.user, request.instance.name):
            return None
        message = f"There is no instance named {request.instance.name!r}."
        if is_api(request):
            return api_error(NOT_FOUND, message)
        raise Http404(message)


def instances_shown(request: HttpRequest) -> list[str]:
    """What a page about every instance shows: the instance its URL names, or every one
    the user may see."""
    return [request.instance.name] if request.instance_named else visible_to(request)


def every_instance(view):
    """A view that is about every instance the user may see when its URL names none
    (the all-instances overview): a user who may not see `default` still reaches it."""
    view.every_instance = True
    return view


def instance_context(request: HttpRequest) -> dict:
    """The switcher's choices: this page on each instance."""
    current = request.instance.name if hasattr(request, "instance") else DEFAULT
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"instance": current}
    names = visible_to(request)
    # This page on each instance when it is one of our routes; otherwise (a 404, whose
    # path anyone may write, //evil.example/ say) each instance's home.
    page = request.path_info if getattr(request, "resolver_match", None) else "/"
    page = "/" + page.lstrip("/")
    choices = [(name, instance_path(name, page)) for name in names]
    # The instance's own overview: / is every instance's once there are several.
    home = f"/i/{current}/" if len(names) > 1 else "/"
    configured = connections.instances()
    return {
        "instance": current,
        "instance_choices": choices,
        "instance_home": home,
        # Named on every page about it wherever there are several, even to a user who
        # may see only this one (no switcher); never on a page about no instance of theirs.
        "instance_shown": current in names and len(known_instances()) > 1,
        # a RabbitMQ-only instance has no keys, object cache or invalidations to show
        "has_redis": current in configured.redis,
    }
