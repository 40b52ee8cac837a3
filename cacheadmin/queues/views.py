"""Queue pages: the list (RabbitMQ's, a page at a time shared among viewers, and Redis
lists and streams used as queues), and one Redis queue's page."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cacheadmin.gateways.keycodec import decode_key
from cacheadmin.gateways.problems import http_status
from cacheadmin.monitoring.lease import sampling
from cacheadmin.queues.celery_redis import RESERVED_PAGE
from cacheadmin.queues.forms import QueueListForm, RedisQueueForm
from cacheadmin.queues.reads import rabbit_queues_page, redis_queue_describe, redis_queues_page


@require_GET
def queue_list(request: HttpRequest) -> HttpResponse:
    form = QueueListForm(request.GET)
    if not form.is_valid():
        return render(request, "queues/list.html", {"form": form}, status=400)
    query = form.cleaned_data
    has_rabbit = request.instance.rabbitmq is not None
    has_redis = request.instance.redis is not None
    page, problem = (None, None)
    hide_internal = not query["internal"]  # the page leaves Celery's own out unless asked
    if has_rabbit:
        page, problem = rabbit_queues_page(
            instance=request.instance, query=query, hide_internal=hide_internal
        )
    redis_page, redis_problem = (None, None)
    if has_redis:
        redis_page, redis_problem = redis_queues_page(
            instance=request.instance, query=query | {"page": 1}, hide_internal=hide_internal
        )
    context = {
        "has_rabbit": has_rabbit,
        "has_redis": has_redis,
        "redis_page": redis_page,
        "redis_problem": redis_problem,
        "form": form,
        "data": query,
        "page": page,
        "problem": problem,
        "refresh_seconds": settings.RABBITMQ_STATS_INTERVAL,
    }
    if request.htmx:  # a refresh: the fragment shows the problem, and htmx swaps only a 200
        return render(request, "queues/partials/tables.html", context)
    status = http_status(problem) if problem else 200
    return render(request, "queues/list.html", context, status=status)


@require_GET
def redis_queue(request: HttpRequest, encoded: str) -> HttpResponse:
    """One Redis list or stream used as a queue: both ends, what is being processed, its
    consumer groups, and its depth history; a Celery queue's next messages decoded and
    the tasks reserved but not acknowledged."""
    try:
        key = decode_key(encoded)
    except ValueError:
        raise Http404("This is not the address of a key.") from None
    form = RedisQueueForm(request.GET)
    if not form.is_valid():
        return render(request, "queues/redis_queue.html", {"key": key, "form": form}, status=400)
    reserved_page = form.cleaned_data["reserved_page"]
    queue, problem = redis_queue_describe(
        instance=request.instance,
        key=key,
        peek=form.cleaned_data["peek"],
        reserved_offset=(reserved_page - 1) * RESERVED_PAGE,
    )
    context = {
        "key": key,
        "reserved_page": reserved_page,
        "reserved_size": RESERVED_PAGE,
        "queue": queue,
        "problem": problem,
        "depth_chart": queue and queue["depth_chart"],
        "refresh_seconds": settings.SAMPLE_SECONDS,
        "sampling": sampling(),
    }
    if request.htmx:  # a refresh: the fragment shows the problem, and htmx swaps only a 200
        return render(request, "queues/partials/redis_figures.html", context)
    status = http_status(problem) if problem else 200 if queue else 404
    return render(request, "queues/redis_queue.html", context, status=status)
