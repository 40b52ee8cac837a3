"""JSON API of the task frameworks: RQ's workers and jobs, and operators' changes to them."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from cacheadmin.tasks.action_jobs import action_json, action_on, cancel
from cacheadmin.tasks.actions import (
    Step,
    failed_jobs_request,
    one_job_action,
    unconfirmed_message,
)
from cacheadmin.tasks.celery_changes import celery_task_change
from cacheadmin.tasks.celery_events import tasks_page
from cacheadmin.tasks.celery_reads import celery_workers
from cacheadmin.tasks.celery_task import celery_task_told
from cacheadmin.tasks.forms import CeleryTaskListForm, TaskActionForm, TaskForm, TaskListForm
from cacheadmin.tasks.reads import job_describe, jobs_page, workers_list
from cacheadmin.web.access import operator_required
from cacheadmin.web.json_api import (
    BAD_REQUEST,
    NOT_FOUND,
    api_error,
    invalid_form,
    json_body,
    json_methods,
    problem_response,
)

TASK_FIELDS = (
    *("id", "name", "state", "queue", "enqueued_at", "started_at", "ended_at"),
    *("retries", "worker", "error", "call"),
)


@json_methods("GET")
def api_workers(request: HttpRequest) -> JsonResponse:
    """RQ's workers (on the instance's Redis) and Celery's (through each broker where
    its remote control is bound); a framework's problem is said beside the others'."""
    items, problems = [], []
    if request.instance.redis is not None:
        workers, problem = workers_list(instance=request.instance)
        problems += [problem] if problem else []
        items += [worker | {"framework": "rq"} for worker in workers or []]
    _, celery, celery_problems = celery_workers(instance=request.instance)
    items += celery
    problems += celery_problems
    if problems and not items:
        return problem_response(problems[0])
    return JsonResponse({"items": items, "problems": [problem.message for problem in problems]})


@json_methods("GET")
def api_tasks(request: HttpRequest) -> JsonResponse:
    if request.GET.get("framework") == "celery":
        return _celery_tasks(request)
    form = TaskListForm(request.GET)
    if not form.is_valid():
        return invalid_form(form)
    page, problem = jobs_page(instance=request.instance, query=form.cleaned_data)
    if problem:
        return problem_response(problem)
    items = [{field: item.get(field) for field in TASK_FIELDS} for item in page["items"]]
    answer = {"items": items, "page": page["page"], "pages": page["pages"]}
    return JsonResponse(answer | {"total": page["total"]})


def _celery_tasks(request: HttpRequest) -> JsonResponse:
    """Celery's tasks as the recorder kept them from the events (newest first)."""
    form = CeleryTaskListForm(request.GET)
    if not form.is_valid():
        return invalid_form(form)
    data = form.cleaned_data
    page = tasks_page(
        instance=request.instance.name, queue=data["queue"], state=data["state"], page=data["page"]
    )
    return JsonResponse(page)


@json_methods("GET")
def api_task(request: HttpRequest, job_id: str) -> JsonResponse:
    form = TaskForm({"id": job_id, "framework": request.GET.get("framework", "")})
    if not form.is_valid():
        return invalid_form(form)
    if form.cleaned_data["framework"] == "celery":
        task, problem = celery_task_told(instance=request.instance, task_id=form.cleaned_data["id"])
        if task is None and problem:
            return problem_response(problem)
        if task is None:
            return api_error(
                NOT_FOUND, "Neither the result backend nor the recorded events know that task."
            )
        backend = {"backend_problem": problem.message} if problem else {}
        return JsonResponse(task | backend | {"framework": "celery"})
    job, problem = job_describe(instance=request.instance, job_id=form.cleaned_data["id"])
    if problem:
        return problem_response(problem)
    if job is None:
        return api_error(NOT_FOUND, "RQ has no job of that id (it may have expired).")
    return JsonResponse(job)


TEXT = (str,)
ACTION_BODY = {"id": TEXT, "queue": TEXT, "state": TEXT, "confirm": TEXT, "dry_run": (bool,)}


def api_task_action(action: str) -> Callable[[HttpRequest], JsonResponse]:
    """POST /api/tasks/<action>: one job ({"id"}) now, or every failed job of a queue
    ({"queue", "state": "failed"}) after a preview and, above the threshold, a confirm."""

    @json_methods("POST")
    @operator_required
    def view(request: HttpRequest) -> JsonResponse:
        body, refusal = json_body(request, ACTION_BODY, f"This {action}")
        if refusal:
            return refusal
        form = TaskActionForm(body, action=action)
        if not form.is_valid():
            return invalid_form(form, f"This {action} is not valid.")
        data = form.cleaned_data
        if data["id"]:
            row, problem = one_job_action(
                user=request.user, instance=request.instance, action=action, job_id=data["id"]
            )
            if problem:
                return problem_response(problem, action=row.id)
            return JsonResponse(action_json(row))
        return _failed_jobs(request, action, data)

    view.__name__ = f"api_task_{action}"
    return view


def _failed_jobs(request: HttpRequest, action: str, data: dict) -> JsonResponse:
    outcome = failed_jobs_request(
        user=request.user,
        instance=request.instance,
        action=action,
        queue=data["queue"],
        confirm=data["confirm"],
        preview_only=data["dry_run"],
    )
    if outcome.step == Step.REFUSED:
        return problem_response(outcome.problem)
    preview = {
        "queue": data["queue"],
        "estimate": outcome.preview.count,
        "threshold": settings.INVALIDATION_CONFIRM_THRESHOLD,
    }
    if outcome.step == Step.PREVIEWED:
        return JsonResponse(preview | {"dry_run": True})
    if outcome.step == Step.UNCONFIRMED:
        message = unconfirmed_message(action, outcome.preview)
        return api_error(BAD_REQUEST, message, preview=preview)
    row = outcome.action
    if outcome.problem:
        return problem_response(outcome.problem, action=row.id, status=row.status)
    return JsonResponse(action_json(row), status=201)


@json_methods("GET")
def api_task_action_state(request: HttpRequest, action_id: int) -> JsonResponse:
    row = action_on(request.instance.name, action_id)
    if row is None:
        return api_error(NOT_FOUND, f"There is no task action {action_id}.")
    return JsonResponse(action_json(row))


@json_methods("POST")
@operator_required
def api_task_action_cancel(request: HttpRequest, action_id: int) -> JsonResponse:
    row = action_on(request.instance.name, action_id)
    if row is None:
        return api_error(NOT_FOUND, f"There is no task action {action_id}.")
    return JsonResponse(action_json(cancel(row, by=request.user)))


def api_celery_change(action: str) -> Callable[[HttpRequest], JsonResponse]:
    """POST /api/tasks/retry or /api/tasks/revoke: {"id"} of a Celery task."""

    @json_methods("POST")
    @operator_required
    def view(request: HttpRequest) -> JsonResponse:
        body, refusal = json_body(request, {"id": TEXT}, f"This {action}")
        if refusal:
            return refusal
        form = TaskForm({"id": body.get("id", ""), "framework": "celery"})
        if not form.is_valid():
            return invalid_form(form, f"This {action} is not valid.")
        task_id = form.cleaned_data["id"]
        new_id, problem = celery_task_change(
            user=request.user, instance=request.instance, action=action, task_id=task_id
        )
        if problem:
            return problem_response(problem)
        if action == "retry":
            return JsonResponse({"id": task_id, "new_id": new_id, "status": "sent"}, status=201)
        return JsonResponse({"id": task_id, "status": "revoked"})

    view.__name__ = f"api_task_{action}"
    return view
