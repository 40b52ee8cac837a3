"""Django's error views, but under /api/ in the JSON API's one error shape."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import csrf, defaults

from cacheadmin.web.json_api import BAD_REQUEST, FORBIDDEN, NOT_FOUND, api_error, is_api


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        # Not the exception's text: it may quote what the caller sent (a Host header).
        return api_error(BAD_REQUEST, "This request cannot be understood.")
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return api_error(FORBIDDEN, str(exception) or "You may not do this.")
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return api_error(NOT_FOUND, "There is nothing at this address.")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        message = "The dashboard failed on this request; the error is in its log."
        return JsonResponse({"error": "error", "message": message}, status=500)
    return defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if is_api(request):
        message = (
            "The CSRF check failed: with a session, send the X-CSRFToken header; "
            "scripts use an API token (Authorization: Bearer ...)."
        )
        return api_error(FORBIDDEN, message)
    return csrf.csrf_failure(request, reason)
