"""The task frameworks' page (/tasks/): RQ's queues with every registry, and its workers."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cacheadmin.gateways.problems import http_status
from cacheadmin.tasks.reads import rq_overview
from cacheadmin.tasks.rq_reads import REGISTRIES


@require_GET
def tasks_page(request: HttpRequest) -> HttpResponse:
    found, problem = rq_overview(instance=request.instance)
    context = {
        "rq": found,
        "problem": problem,
        "registries": ["queued", *REGISTRIES],
    }
    return render(
        request, "tasks/index.html", context, status=http_status(problem) if problem else 200
    )
