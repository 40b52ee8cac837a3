"""/healthz: the one page open without login, for load balancers and monitors."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cacheadmin.health import health_report


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    report = health_report()
    # Only a dead database stops the dashboard from serving; a service that is
    # down is shown on its pages, so the node stays in rotation.
    status = 503 if report["status"] == "down" else 200
    return JsonResponse(report, status=status)
