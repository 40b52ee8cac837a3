"""The task frameworks' pages (/tasks/): RQ's queues with every registry, its workers,
jobs by state, a job; and operators' changes to jobs, with their outcome."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cacheadmin.gateways.problems import http_status
from cacheadmin.tasks.action_jobs import action_json, action_on, cancel
from cacheadmin.tasks.actions import ON_FAILED, ONE_JOB, Step, failed_jobs_request, one_job_action
from cacheadmin.tasks.celery_changes import CHANGES, celery_task_change
from cacheadmin.tasks.celery_events import ENDED
from cacheadmin.tasks.celery_reads import celery_workers
from cacheadmin.tasks.celery_task import celery_task_told
from cacheadmin.tasks.forms import TaskActionForm, TaskForm, TaskListForm
from cacheadmin.tasks.reads import job_describe, jobs_page, rq_overview
from cacheadmin.tasks.rq_reads import REGISTRIES, STATES
from cacheadmin.web.access import operator_required
from cacheadmin.web.parts import render_part


@require_GET
def tasks_page(request: HttpRequest) -> HttpResponse:
    found, problem = rq_overview(instance=request.instance)
    context = {
        "rq": found,
        "problem": problem,
        "registries": ["queued", *REGISTRIES],
        "inspect_timeout": settings.CELERY_INSPECT_TIMEOUT,
    }
    return render(
        request, "tasks/index.html", context, status=http_status(problem) if problem else 200
    )


@require_GET
def celery_workers_part(request: HttpRequest) -> HttpResponse:
    """The Celery workers' card, asked after the page has shown (a broadcast waits its
    whole timeout for the workers' answers)."""
    brokers, workers, problems = celery_workers(instance=request.instance)
    for worker in workers:
        worker["processed_total"] = sum(worker["processed"].values())
    context = {
        "asked": bool(brokers),
        "workers": workers,
        "problems": problems,
        "inspect_timeout": settings.CELERY_INSPECT_TIMEOUT,
    }
    return render_part(
        request, "tasks/partials/celery_workers.html", context, title="Celery workers"
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
    """One RQ job (its call, arguments, times, worker, retries and results), or one
    Celery task as its result backend keeps it (?framework=celery)."""
    form = TaskForm(request.GET)
    if not form.is_valid():
        raise Http404("A job is named by its id (?id=).")
    task_id, framework = form.cleaned_data["id"], form.cleaned_data["framework"]
    if framework == "celery":
        return _celery_task_page(request, task_id)
    job, problem = job_describe(instance=request.instance, job_id=task_id)
    context = {"job": job, "problem": problem, "task_id": task_id}
    status = http_status(problem) if problem else (200 if job else 404)
    return render(request, "tasks/job.html", context, status=status)


def _celery_task_page(request: HttpRequest, task_id: str) -> HttpResponse:
    task, problem = celery_task_told(instance=request.instance, task_id=task_id)
    context = {"task": task, "task_id": task_id, "problem": problem, "ended": ENDED}
    status = 200 if task else (http_status(problem) if problem else 404)
    return render(request, "tasks/celery_task.html", context, status=status)


@operator_required
@require_POST
def celery_change_page(request: HttpRequest) -> HttpResponse:
    """Retry a failed Celery task, or revoke one after a confirmation."""
    action = request.POST.get("action", "")
    form = TaskForm({"id": request.POST.get("id", ""), "framework": "celery"})
    if action not in CHANGES or not form.is_valid():
        return HttpResponseBadRequest("Retry or revoke a Celery task: name it by its id.")
    task_id = form.cleaned_data["id"]
    if action == "revoke" and request.POST.get("confirmed") != "yes":
        return render(request, "tasks/celery_changed.html", {"task_id": task_id, "confirm": True})
    new_id, problem = celery_task_change(
        user=request.user, instance=request.instance, action=action, task_id=task_id
    )
    context = {"task_id": task_id, "action": action, "new_id": new_id, "problem": problem}
    status = http_status(problem) if problem else 200
    return render(request, "tasks/celery_changed.html", context, status=status)


@operator_required
@require_POST
def task_change(request: HttpRequest) -> HttpResponse:
    """Requeue, cancel or delete one job; cancel and delete after a confirmation."""
    action = request.POST.get("action", "")
    if action not in ONE_JOB:
        return HttpResponseBadRequest("The change is requeue, cancel or delete.")
    form = TaskActionForm({"id": request.POST.get("id", "")}, action=action)
    if not form.is_valid() or not form.cleaned_data["id"]:
        return HttpResponseBadRequest("A job is named by its id.")
    job_id = form.cleaned_data["id"]
    if action != "requeue" and request.POST.get("confirmed") != "yes":
        return render(request, "tasks/confirm.html", {"action": action, "job_id": job_id})
    row, _ = one_job_action(
        user=request.user, instance=request.instance, action=action, job_id=job_id
    )
    return redirect(reverse("task_action", args=[row.id]))


@operator_required
@require_http_methods(["GET", "POST"])
def failed_change(request: HttpRequest) -> HttpResponse:
    """Every failed job of a queue: the preview (GET), then the start (POST), typed
    confirmation above the threshold."""
    data = request.POST if request.method == "POST" else request.GET
    action = data.get("action", "")
    form = TaskActionForm(
        {"queue": data.get("queue", ""), "state": "failed", "confirm": data.get("confirm", "")},
        action=action,
    )
    if action not in ON_FAILED or not form.is_valid():
        return HttpResponseBadRequest("Requeue or delete a queue's failed jobs: name the queue.")
    query = form.cleaned_data
    outcome = failed_jobs_request(
        user=request.user,
        instance=request.instance,
        action=action,
        queue=query["queue"],
        confirm=query["confirm"],
        preview_only=request.method == "GET",
    )
    if outcome.step == Step.STARTED:
        return redirect(reverse("task_action", args=[outcome.action.id]))
    context = {
        "action": action,
        "queue": query["queue"],
        "preview": outcome.preview,
        "problem": outcome.problem,
        "unconfirmed": outcome.step == Step.UNCONFIRMED,
        "threshold": settings.INVALIDATION_CONFIRM_THRESHOLD,
    }
    status = http_status(outcome.problem) if outcome.problem else 200
    return render(request, "tasks/confirm.html", context, status=status)


@require_GET
def action_page(request: HttpRequest, action_id: int) -> HttpResponse:
    """A task action's outcome, or its progress while the worker runs it."""
    row = action_on(request.instance.name, action_id)
    if row is None:
        raise Http404(f"There is no task action {action_id}.")
    template = "tasks/partials/action.html" if request.htmx else "tasks/action.html"
    return render(request, template, {"row": row, "action": action_json(row)})


@operator_required
@require_POST
def action_cancel(request: HttpRequest, action_id: int) -> HttpResponse:
    row = action_on(request.instance.name, action_id)
    if row is None:
        raise Http404(f"There is no task action {action_id}.")
    cancel(row, by=request.user)
    return redirect(reverse("task_action", args=[row.id]))
