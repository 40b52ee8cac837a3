"""Pages' parts drawn from the sampler's history, loaded by the pages that show them."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from cacheadmin.monitoring.lease import sampling
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
