"""One Redis list or stream used as a queue: both ends, what is being processed, its
consumer groups, and its depth history."""

import time

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cacheadmin import connections, queue_samples
from cacheadmin.charts import line_chart
from cacheadmin.problems import http_status
from cacheadmin.redis import queues as redis_queues
from cacheadmin.redis.errors import server_address
from cacheadmin.redis.keycodec import decode_key
from cacheadmin.service_calls import call_redis

REFRESH_SECONDS = queue_samples.SAMPLE_EVERY.total_seconds()
CHART_SECONDS = 30 * 60


@require_GET
def redis_queue(request: HttpRequest, encoded: str) -> HttpResponse:
    try:
        key = decode_key(encoded)
    except ValueError:
        raise Http404("This is not the address of a key.") from None
    queue, problem = call_redis(lambda client: redis_queues.queue_detail(client, key))
    context = {"key": key, "queue": queue, "problem": problem, "refresh_seconds": REFRESH_SECONDS}
    if queue:
        server = server_address(connections.redis_client())
        queue_samples.record(server=server, rows=[queue], now=timezone.now())
        history = queue_samples.depth_history(server=server, key=key)
        context["depth_chart"] = line_chart(history, span_seconds=CHART_SECONDS, end=time.time())
    if request.htmx:  # a refresh: the fragment shows the problem, and htmx swaps only a 200
        return render(request, "queues/partials/redis_figures.html", context)
    status = http_status(problem) if problem else 200 if queue else 404
    return render(request, "queues/redis_queue.html", context, status=status)
