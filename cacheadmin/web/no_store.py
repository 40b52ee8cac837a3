"""Every page and API answer carries data about someone's servers: no cache keeps it."""

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    """Cache-Control: no-store on every answer of the dashboard (static files are served
    before this, by WhiteNoise, and keep their own caching)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_cache_control(response, no_store=True)
        return response
