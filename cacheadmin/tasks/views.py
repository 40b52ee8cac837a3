"""The task frameworks' page (/tasks/): RQ's queues with every registry, and its workers."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cacheadmin.gateways.problems import http_status
from cacheadmin.tasks.forms import TaskForm, TaskListForm
from cacheadmin.tasks.reads import job_describe, jobs_page, rq_overview
from cacheadmin.tasks.rq_reads import REGISTRIES, STATES


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


@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    """One RQ queue's jobs in one state, a page at a time (failed ones newest first)."""
    form = TaskListForm(request.GET)
    if not form.is_valid():
        return render(request, "tasks/jobs.html", {"form": form}, status=400)
    query = form.cleaned_data
    page, problem = jobs_page(instance=request.instance, query=query)
    context = {"form": form, "query": query, "page": page, "problem": problem, "states": STATES}
    return render(
        request, "tasks/jobs.html", context, status=http_status(problem) if problem else 200
    )


@require_GET
def task_page(request: HttpRequest) -> HttpResponse:
    """One RQ job: its call, arguments, times, worker, retries and results."""
    form = TaskForm(request.GET)
    if not form.is_valid():
        raise Http404("A job is named by its id (?id=).")
    job, problem = job_describe(instance=request.instance, job_id=form.cleaned_data["id"])
    if job is None and not problem:
        raise Http404("RQ has no job of that id (it may have expired).")
    context = {"job": job, "problem": problem}
    return render(
        request, "tasks/job.html", context, status=http_status(problem) if problem else 200
    )
