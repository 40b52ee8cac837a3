"""Invalidation pages: the jobs, a new invalidation (preview, then confirm), a job's
live progress, cancelling."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cacheadmin import jobs
from cacheadmin.access import operator_required
from cacheadmin.forms import InvalidationForm
from cacheadmin.models import InvalidationJob
from cacheadmin.problems import http_status
from cacheadmin.service_calls import call_redis
from cacheadmin.views.api_invalidations import confirmed, preview_or_error


@require_GET
def invalidation_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(InvalidationJob.objects.all(), 50).get_page(request.GET.get("page"))
    return render(request, "invalidations/list.html", {"page": page})


@operator_required
@require_http_methods(["GET", "POST"])
def invalidation_new(request: HttpRequest) -> HttpResponse:
    """GET with a target: its preview and a confirmation form. POST: the job."""
    data = request.POST if request.method == "POST" else request.GET
    form = InvalidationForm(data or None)
    context = {"form": form, "threshold": settings.INVALIDATION_CONFIRM_THRESHOLD}
    if not form.is_bound:
        return render(request, "invalidations/new.html", context)
    if not form.is_valid():
        return render(request, "invalidations/new.html", context, status=400)
    target = form.build_target()
    found, problem = call_redis(lambda client: preview_or_error(client, target))
    if problem:
        context["problem"] = problem
        return render(request, "invalidations/new.html", context, status=http_status(problem))
    if isinstance(found, str):
        context["target_error"] = found
        return render(request, "invalidations/new.html", context, status=400)
    context["preview"] = found
    if request.method == "GET" or form.cleaned_data["dry_run"]:
        return render(request, "invalidations/new.html", context)
    if not confirmed(form, found):
        context["confirm_error"] = True
        return render(request, "invalidations/new.html", context, status=400)
    job = jobs.job_create(
        user=request.user, target=target, estimate=found.estimate, rate=form.cleaned_data["rate"]
    )
    job, _ = jobs.job_start(job)  # a failure shows on the job's page
    return redirect("invalidation", job_id=job.id)


@require_GET
def invalidation_page(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(InvalidationJob, id=job_id)
    return render(request, "invalidations/job.html", {"job": job, "state": jobs.job_json(job)})


@operator_required
@require_POST
def invalidation_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    jobs.job_cancel(get_object_or_404(InvalidationJob, id=job_id), by=request.user)
    return redirect("invalidation", job_id=job_id)
