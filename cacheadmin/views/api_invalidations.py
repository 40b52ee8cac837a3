"""JSON API of invalidations: preview (dry run), start, follow, cancel."""

import json

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404

from cacheadmin import jobs
from cacheadmin.access import operator_required
from cacheadmin.forms import InvalidationForm
from cacheadmin.invalidation import engine
from cacheadmin.models import InvalidationJob
from cacheadmin.problems import http_status
from cacheadmin.redis.keycodec import display_key, encode_key
from cacheadmin.service_calls import call_redis
from cacheadmin.views.api import form_errors, json_methods


@json_methods("POST")
@operator_required
def api_invalidate(request: HttpRequest) -> JsonResponse:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"error": "the body is not JSON"}, status=400)
    form = InvalidationForm(body if isinstance(body, dict) else {})
    if not form.is_valid():
        fields = form_errors(form)
        return JsonResponse({"error": "invalid invalidation", "fields": fields}, status=400)
    target, data = form.build_target(), form.cleaned_data
    found, problem = call_redis(lambda client: preview_or_error(client, target))
    if problem:
        return JsonResponse(
            {"error": problem.message, "problem": problem.kind}, status=http_status(problem)
        )
    if isinstance(found, str):
        return JsonResponse({"error": found}, status=400)
    preview = preview_json(found)
    if data["dry_run"]:
        return JsonResponse(preview | {"dry_run": True})
    if not confirmed(form, found):
        message = (
            f"this would delete {'about ' if found.estimated else ''}{found.estimate:,} keys: "
            "send confirm with the pattern (or target) or with the estimated count"
        )
        return JsonResponse({"error": message, "preview": preview}, status=400)
    job = jobs.job_create(
        user=request.user, target=target, estimate=found.estimate, rate=data["rate"]
    )
    job, problem = jobs.job_start(job)
    if problem:
        body = {"id": job.id, "status": job.status, "error": problem.message}
        return JsonResponse(body, status=http_status(problem))
    return JsonResponse({"id": job.id, "status": job.status}, status=201)


@json_methods("GET")
def api_invalidation(request: HttpRequest, job_id: int) -> JsonResponse:
    return JsonResponse(jobs.job_json(get_object_or_404(InvalidationJob, id=job_id)))


@json_methods("POST")
@operator_required
def api_invalidation_cancel(request: HttpRequest, job_id: int) -> JsonResponse:
    job = jobs.job_cancel(get_object_or_404(InvalidationJob, id=job_id), by=request.user)
    return JsonResponse({"id": job.id, "status": job.status})


def confirmed(form: InvalidationForm, preview: engine.Preview) -> bool:
    """Below the threshold, and counted, no confirmation is needed; above it or when
    only estimated, the typed target or the estimated count."""
    if not preview.estimated and preview.estimate <= settings.INVALIDATION_CONFIRM_THRESHOLD:
        return True
    answer = form.cleaned_data["confirm"].strip()
    typed = (
        form.cleaned_data["model"]
        if form.cleaned_data["kind"] == "model"
        else form.cleaned_data["target"]
    )
    return bool(answer) and answer in (typed, str(preview.estimate), f"{preview.estimate:,}")


def preview_or_error(client, target: engine.Target):
    try:
        return engine.preview(client, target)
    except engine.TargetError as error:
        return str(error)


def preview_json(preview: engine.Preview) -> dict:
    return {
        "estimate": preview.estimate,
        "estimated": preview.estimated,
        "sample": [display_key(key) for key in preview.sample],
        "sample_b64": [encode_key(key) for key in preview.sample],
        "memory": preview.memory,
        "objects": preview.objects,
        "entries": preview.entries,
        "threshold": settings.INVALIDATION_CONFIRM_THRESHOLD,
    }
