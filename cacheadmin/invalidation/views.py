"""Invalidation pages: the jobs, a new invalidation (preview, then confirm), a job's
live progress, cancelling."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cacheadmin.gateways.problems import BAD_REQUEST, http_status
from cacheadmin.invalidation import jobs
from cacheadmin.invalidation.forms import InvalidationForm
from cacheadmin.invalidation.requests import Step, invalidation_request
from cacheadmin.models import InvalidationJob
from cacheadmin.web.access import operator_required


@require_GET
def invalidation_list(request: HttpRequest) -> HttpResponse:
    jobs_here = InvalidationJob.objects.filter(instance=request.instance.name)
    page = Paginator(jobs_here, 50).get_page(request.GET.get("page"))
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
    preview_only = request.method == "GET" or form.cleaned_data["dry_run"]
    outcome = invalidation_request(
        user=request.user, instance=request.instance, form=form, preview_only=preview_only
    )
    if outcome.step == Step.REFUSED:
        problem = outcome.problem
        context["target_error" if problem.kind == BAD_REQUEST else "problem"] = problem
        return render(request, "invalidations/new.html", context, status=http_status(problem))
    context["preview"] = outcome.preview
    if outcome.step == Step.PREVIEWED:
        return render(request, "invalidations/new.html", context)
    if outcome.step == Step.UNCONFIRMED:
        context["confirm_error"] = True
        return render(request, "invalidations/new.html", context, status=400)
    return redirect("invalidation", job_id=outcome.job.id)  # a failure shows on its page


@require_GET
def invalidation_page(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(InvalidationJob, id=job_id, instance=request.instance)
    return render(request, "invalidations/job.html", {"job": job, "state": jobs.job_json(job)})


@operator_required
@require_POST
def invalidation_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(InvalidationJob, id=job_id, instance=request.instance)
    jobs.job_cancel(job=job, by=request.user)
    return redirect("invalidation", job_id=job_id)
