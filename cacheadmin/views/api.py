"""What every JSON endpoint shares: errors in JSON, even for a wrong method or path."""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, JsonResponse


def json_methods(*methods: str) -> Callable:
    """Like require_http_methods, but a wrong method gets a JSON 405."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if request.method not in methods:
                response = JsonResponse({"error": f"use {' or '.join(methods)}"}, status=405)
                response["Allow"] = ", ".join(methods)
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def api_not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    return JsonResponse({"error": "no such API endpoint"}, status=404)


def form_errors(form) -> dict[str, list[str]]:
    """A form's errors by field, for a JSON answer."""
    return {name: [str(error) for error in errors] for name, errors in form.errors.items()}
