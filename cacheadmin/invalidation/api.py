"""JSON API of invalidations: preview (dry run), start, follow, cancel."""

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from cacheadmin.gateways.keycodec import display_key, encode_key
from cacheadmin.invalidation import engine, jobs
from cacheadmin.invalidation.forms import InvalidationForm
from cacheadmin.invalidation.requests import Step, invalidation_request, unconfirmed_message
from cacheadmin.models import InvalidationJob
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

TEXT, NUMBER_OR_NULL = (str,), (int, type(None))
BODY_TYPES = {
    "kind": TEXT,
    "target": TEXT,
    "model": TEXT,
    "attribute": TEXT,
    "confirm": TEXT,
    "dry_run": (bool,),
    "rate": NUMBER_OR_NULL,
}


@json_methods("POST")
@operator_required
def api_invalidate(request: HttpRequest) -> JsonResponse:
    body, refusal = json_body(request, BODY_TYPES, "This invalidation")
    if refusal:
        return refusal
    form = InvalidationForm(body)
    if not form.is_valid():
        return invalid_form(form, "This invalidation is not valid.")
    dry_run = form.cleaned_data["dry_run"]
    outcome = invalidation_request(
        user=request.user, instance=request.instance, form=form, preview_only=dry_run
    )
    if outcome.step == Step.REFUSED:
        return problem_response(outcome.problem)
    preview = preview_json(outcome.preview)
    if outcome.step == Step.PREVIEWED:
        return JsonResponse(preview | {"dry_run": True})
    if outcome.step == Step.UNCONFIRMED:
        return api_error(BAD_REQUEST, unconfirmed_message(outcome.preview), preview=preview)
    job = outcome.job
    if outcome.problem:
        return problem_response(outcome.problem, id=job.id, status=job.status)
    return JsonResponse({"id": job.id, "status": job.status, "deleted": job.deleted}, status=201)


@json_methods("GET")
def api_invalidation(request: HttpRequest, job_id: int) -> JsonResponse:
    job = InvalidationJob.objects.filter(id=job_id, instance=request.instance.name).first()
    if job is None:
        return api_error(NOT_FOUND, f"There is no invalidation {job_id}.")
    return JsonResponse(jobs.job_json(job))


@json_methods("POST")
@operator_required
def api_invalidation_cancel(request: HttpRequest, job_id: int) -> JsonResponse:
    job = InvalidationJob.objects.filter(id=job_id, instance=request.instance.name).first()
    if job is None:
        return api_error(NOT_FOUND, f"There is no invalidation {job_id}.")
    job = jobs.job_cancel(job=job, by=request.user)
    return JsonResponse({"id": job.id, "status": job.status})


def preview_json(preview: engine.Preview) -> dict:
    return {
        "estimate": preview.estimate,
        "estimated": preview.estimated,
        "sample": [display_key(key) for key in preview.sample],
        "sample_b64": [encode_key(key) for key in preview.sample],
        "memory": preview.memory,
        "objects": preview.objects,
        "entries": preview.entries,
        "examined": preview.examined,
        "keyspace": preview.keys,
        "threshold": settings.INVALIDATION_CONFIRM_THRESHOLD,
    }
