"""What every JSON endpoint shares: one error shape, {"error": kind, "message": sentence},
for a bad query, a missing object, a wrong method or path, a login, a role, a service
that fails, even a CSRF refusal; see the README, "JSON API"."""

import json
import re
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, JsonResponse

from cacheadmin.gateways.problems import Problem, http_status

API_PREFIX = "/api/"

LOGIN_REQUIRED = "login_required"
FORBIDDEN = "forbidden"
BAD_REQUEST = "bad_request"
NOT_FOUND = "not_found"
METHOD_NOT_ALLOWED = "method_not_allowed"

STATUSES = {
    LOGIN_REQUIRED: 401,
    FORBIDDEN: 403,
    BAD_REQUEST: 400,
    NOT_FOUND: 404,
    METHOD_NOT_ALLOWED: 405,
}


# /i/<name>/rest: a page of the instance `name` (core.instance_paths takes it off)
INSTANCE_PREFIX = re.compile(r"\A/i/([a-z0-9][a-z0-9_-]{0,62})(/.*)\Z", re.DOTALL)


def is_api(request: HttpRequest) -> bool:
    """An API path, with or without its instance prefix (a token is read before the
    prefix is taken off)."""
    path = request.path_info
    if match := INSTANCE_PREFIX.match(path):
        path = match.group(2)
    return path.startswith(API_PREFIX)


def api_error(kind: str, message: str, **extra) -> JsonResponse:
    """An error of the caller's (login, role, input, path, method) in the one shape."""
    return JsonResponse({"error": kind, "message": message, **extra}, status=STATUSES[kind])


def problem_response(problem: Problem, **extra) -> JsonResponse:
    """A service's failure in the one shape, with the one problem-to-status mapping."""
    body = {"error": problem.kind, "message": problem.message, **extra}
    return JsonResponse(body, status=http_status(problem))


def form_errors(form) -> dict[str, list[str]]:
    """A form's errors by field, for a JSON answer."""
    return {name: [str(error) for error in errors] for name, errors in form.errors.items()}


JSON_NAMES = {str: "text", bool: "true or false", int: "a whole number", type(None): "null"}


def json_type_errors(body: object, types: dict[str, tuple[type, ...]]) -> dict[str, list[str]]:
    """Each field of a JSON body whose value is not of its one type (true is no number,
    a list no text), and each field the body should not have: nothing is coerced."""
    if not isinstance(body, dict):
        return {"body": ['The body is a JSON object: {"field": value, ...}.']}
    errors = {}
    for name, value in body.items():
        if name not in types:
            errors[name] = [f"Unknown field; the fields are {', '.join(types)}."]
        elif type(value) not in types[name]:
            wanted = " or ".join(JSON_NAMES[kind] for kind in types[name])
            errors[name] = [f"This is {wanted}, not {type(value).__name__}."]
    return errors


def invalid_form(form, message: str = "Some parameters are not valid.") -> JsonResponse:
    """400 naming each bad parameter in fields."""
    return api_error(BAD_REQUEST, message, fields=form_errors(form))


def json_methods(*methods: str) -> Callable:
    """Like require_http_methods, but a wrong method gets a JSON 405."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if request.method not in methods:
                response = api_error(METHOD_NOT_ALLOWED, f"Use {' or '.join(methods)}.")
                response["Allow"] = ", ".join(methods)
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def api_not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    return api_error(NOT_FOUND, "There is no such API endpoint.")


def json_body(
    request: HttpRequest, types: dict[str, tuple[type, ...]], what: str
) -> tuple[dict | None, JsonResponse | None]:
    """A request's JSON object (each field of its one type), or the 400 that says what is
    wrong with it: not JSON, or which fields (what names the thing: "This purge")."""
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, RecursionError):
        return None, api_error(BAD_REQUEST, "The body is not JSON.")
    if wrong := json_type_errors(body, types):
        return None, api_error(BAD_REQUEST, f"{what} is not valid.", fields=wrong)
    return body, None
