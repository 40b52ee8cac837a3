"""Object-cache pages (/cache/): models, a model's buckets and indexes, lookups, and the
consistency checks."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from cacheadmin.cache.consistency_checks import check_advance, check_start, check_stop
from cacheadmin.cache.forms import LookupForm
from cacheadmin.cache.reads import declared_schemas, model_describe, model_lookup, models_summarise
from cacheadmin.gateways.problems import http_status
from cacheadmin.models import ConsistencyCheck


@require_GET
def cache_models(request: HttpRequest) -> HttpResponse:
    found, problem = models_summarise(instance=request.instance, with_limits=True)
    summaries, limits = found or ([], None)
    context = {"summaries": summaries, "limits": limits, "problem": problem}
    status = http_status(problem) if problem else 200
    return render(request, "cache/models.html", context, status=status)


@require_GET
def cache_model(request: HttpRequest, name: str) -> HttpResponse:
    form = LookupForm(request.GET)
    cursor = form.cleaned_data["cursor"] if form.is_valid() else 0
    found, problem = model_describe(instance=request.instance, name=name, cursor=cursor)
    if not problem and found is None:
        raise Http404("No model of that name is registered.")
    context = {"name": name, "problem": problem, "form": form, **(found or {})}
    return render(
        request, "cache/model.html", context, status=http_status(problem) if problem else 200
    )


@require_GET
def cache_lookup(request: HttpRequest, name: str) -> HttpResponse:
    form = LookupForm(request.GET)
    if not form.is_valid():
        return render(request, "cache/lookup.html", {"name": name, "form": form}, status=400)
    data = form.cleaned_data
    found, problem = model_lookup(
        instance=request.instance,
        name=name,
        object_id=data["id"],
        attribute=data["attribute"],
        value=data["value"],
        cursor=data["cursor"],
    )
    if not problem and found is None:
        raise Http404("No model of that name is registered.")
    context = {"name": name, "form": form, "data": data, "problem": problem, **(found or {})}
    status = http_status(problem) if problem else (400 if context.get("bad_attribute") else 200)
    return render(request, "cache/lookup.html", context, status=status)


@require_POST
def check_start_view(request: HttpRequest, name: str) -> HttpResponse:
    check = check_start(user=request.user, instance=request.instance, model=name)
    return redirect("cache_check", check_id=check.id)


@require_GET
def check_page(request: HttpRequest, check_id) -> HttpResponse:
    check = _own_check(request, check_id)
    return render(request, "cache/check.html", {"check": check})


@require_POST
def check_step_view(request: HttpRequest, check_id) -> HttpResponse:
    check = _own_check(request, check_id)
    check = check_advance(check, declared_schemas(request.instance))
    return render(request, "cache/partials/check_progress.html", {"check": check})


@require_POST
def check_stop_view(request: HttpRequest, check_id) -> HttpResponse:
    check = check_stop(_own_check(request, check_id))
    if request.htmx:
        return render(request, "cache/partials/check_progress.html", {"check": check})
    return redirect("cache_check", check_id=check.id)


def _own_check(request: HttpRequest, check_id) -> ConsistencyCheck:
    """The user's check on this page's instance."""
    return get_object_or_404(
        ConsistencyCheck, id=check_id, user=request.user, instance=request.instance.name
    )
