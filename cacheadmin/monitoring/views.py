"""Pages' parts drawn from the sampler's history, loaded by the pages that show them;
and /metrics for Prometheus."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from cacheadmin.monitoring.lease import sampling
from cacheadmin.monitoring.metrics_access import scrapable_instances
from cacheadmin.monitoring.prometheus import DashboardCollector
from cacheadmin.monitoring.task_charts import SPAN, rq_queue_charts
from cacheadmin.web.parts import render_part


@require_GET
def rq_charts(request: HttpRequest) -> HttpResponse:
    """Each RQ queue's depth and failures a minute over the last hour (the Tasks page)."""
    context = {
        "charts": rq_queue_charts(instance=request.instance.name),
        "sampling": sampling(),
        "sample_seconds": settings.SAMPLE_SECONDS,
        "minutes": SPAN // 60,
    }
    return render_part(
        request, "monitoring/rq_charts.html", context, title="RQ queues over the last hour"
    )


REFUSED = (
    "Send a viewer's API token (Authorization: Bearer <token>), or scrape from an "
    "address in METRICS_ALLOW.\n"
)


@login_not_required  # a scraper has no session: a token or an allowed address
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """The sampler's last figures and the dashboard's own, in Prometheus' text format."""
    allowed, instances = scrapable_instances(request)
    if not allowed:
        response = HttpResponse(REFUSED, status=401, content_type="text/plain; charset=utf-8")
        response["WWW-Authenticate"] = 'Bearer realm="cacheadmin metrics"'
        return response
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DashboardCollector(instances))
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
