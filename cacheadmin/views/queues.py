"""Queues: RabbitMQ's through the management API (a page at a time, shared among
viewers), and the JSON API for scripts."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cacheadmin import connections, queue_samples
from cacheadmin.forms import QueueListForm
from cacheadmin.problems import MISCONFIGURED, TIMEOUT, UNREACHABLE, Problem
from cacheadmin.rabbit.queues import queue_page
from cacheadmin.redis import queues as redis_queues
from cacheadmin.redis.errors import server_address
from cacheadmin.service_calls import call_rabbit, call_redis
from cacheadmin.views.api import form_errors, json_methods


def rabbit_queue_page(data: dict) -> tuple[dict | None, Problem | None]:
    """The page the query asks for, shared by everyone asking within a statistics interval."""
    key = (
        settings.RABBITMQ_MANAGEMENT_URL,
        data["vhost"],
        data["name"],
        data["page"],
        data["page_size"],
        data["sort"],
        data["order"],
    )

    def fetch(client):
        return connections.rabbit_answers().get(
            key,
            lambda: queue_page(
                client,
                vhost=data["vhost"] or None,
                name=data["name"],
                page=data["page"],
                page_size=data["page_size"],
                sort=data["sort"],
                descending=data["order"] == "desc",
            ),
        )

    return call_rabbit(fetch)


def redis_queue_page(data: dict) -> tuple[dict | None, Problem | None]:
    return call_redis(
        lambda client: redis_queues.queue_page(
            client,
            patterns=tuple(settings.REDIS_QUEUE_PATTERNS),
            name=data["name"],
            page=data["page"],
            page_size=data["page_size"],
            sort=data["sort"],
            descending=data["order"] == "desc",
        )
    )


@require_GET
def queue_list(request: HttpRequest) -> HttpResponse:
    form = QueueListForm(request.GET)
    if not form.is_valid():
        return render(request, "queues/list.html", {"form": form}, status=400)
    page, problem = rabbit_queue_page(form.cleaned_data)
    redis_page, redis_problem = redis_queue_page(form.cleaned_data | {"page": 1})
    if redis_page:  # someone watches: sample the depths for the history charts
        server = server_address(connections.redis_client())
        queue_samples.record(server=server, rows=redis_page["items"], now=timezone.now())
    context = {
        "redis_page": redis_page,
        "redis_problem": redis_problem,
        "form": form,
        "data": form.cleaned_data,
        "page": page,
        "problem": problem,
        "refresh_seconds": settings.RABBITMQ_STATS_INTERVAL,
    }
    if request.htmx:  # a refresh: the fragment shows the problem, and htmx swaps only a 200
        return render(request, "queues/partials/tables.html", context)
    return render(
        request, "queues/list.html", context, status=broker_status(problem) if problem else 200
    )


@json_methods("GET")
def api_queues(request: HttpRequest) -> JsonResponse:
    form = QueueListForm(request.GET)
    if not form.is_valid():
        fields = form_errors(form)
        return JsonResponse({"message": "invalid query", "fields": fields}, status=400)
    data = form.cleaned_data
    page, problem = redis_queue_page(data) if data["kind"] == "redis" else rabbit_queue_page(data)
    if problem:
        body = {"message": problem.message, "problem": problem.kind}
        return JsonResponse(body, status=broker_status(problem))
    items = [
        {name: value for name, value in item.items() if name != "key"} for item in page["items"]
    ]
    return JsonResponse(
        {
            "items": items,
            "page": page["page"],
            "page_size": page["page_size"],
            "total": page["total"],
        }
    )


def broker_status(problem: Problem) -> int:
    """The broker's fault: 504 when it is slow, 503 when it is not there, 502 else."""
    if problem.kind == TIMEOUT:
        return 504
    if problem.kind in (UNREACHABLE, MISCONFIGURED):
        return 503
    return 502
