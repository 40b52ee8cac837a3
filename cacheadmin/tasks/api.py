"""JSON API of the task frameworks: RQ's workers."""

from django.http import HttpRequest, JsonResponse

from cacheadmin.tasks.forms import TaskForm, TaskListForm
from cacheadmin.tasks.reads import job_describe, jobs_page, workers_list
from cacheadmin.web.json_api import (
    NOT_FOUND,
    api_error,
    invalid_form,
    json_methods,
    problem_response,
)

TASK_FIELDS = (
    *("id", "name", "state", "queue", "enqueued_at", "started_at", "ended_at"),
    *("retries", "worker", "error", "call"),
)


@json_methods("GET")
def api_workers(request: HttpRequest) -> JsonResponse:
    workers, problem = workers_list(instance=request.instance)
    if problem:
        return problem_response(problem)
    return JsonResponse({"items": [worker | {"framework": "rq"} for worker in workers]})


@json_methods("GET")
def api_tasks(request: HttpRequest) -> JsonResponse:
    form = TaskListForm(request.GET)
    if not form.is_valid():
        return invalid_form(form)
    page, problem = jobs_page(instance=request.instance, query=form.cleaned_data)
    if problem:
        return problem_response(problem)
    items = [{field: item.get(field) for field in TASK_FIELDS} for item in page["items"]]
    answer = {"items": items, "page": page["page"], "pages": page["pages"]}
    return JsonResponse(answer | {"total": page["total"]})


@json_methods("GET")
def api_task(request: HttpRequest, job_id: str) -> JsonResponse:
    form = TaskForm({"id": job_id, "framework": request.GET.get("framework", "")})
    if not form.is_valid():
        return invalid_form(form)
    job, problem = job_describe(instance=request.instance, job_id=form.cleaned_data["id"])
    if problem:
        return problem_response(problem)
    if job is None:
        return api_error(NOT_FOUND, "RQ has no job of that id (it may have expired).")
    return JsonResponse(job)
