"""Object-cache pages (/cache/): models, a model's buckets and indexes, lookups; and the API."""

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from cacheadmin.consistency_checks import check_advance, check_start, check_stop
from cacheadmin.forms import LookupForm
from cacheadmin.models import ConsistencyCheck, DeclaredModel
from cacheadmin.problems import http_status
from cacheadmin.redis import cachemodels
from cacheadmin.service_calls import call_redis
from cacheadmin.views.api import json_methods


@require_GET
def cache_models(request: HttpRequest) -> HttpResponse:
    def read(client):
        return cachemodels.model_summaries(client, _declared()), cachemodels.compact_limits(client)

    found, problem = call_redis(read)
    summaries, limits = found or ([], None)
    context = {"summaries": summaries, "limits": limits, "problem": problem}
    status = http_status(problem) if problem else 200
    return render(request, "cache/models.html", context, status=status)


@json_methods("GET")
def api_cache_models(request: HttpRequest) -> JsonResponse:
    declared = _declared()
    summaries, problem = call_redis(lambda client: cachemodels.model_summaries(client, declared))
    if problem:
        body = {"error": problem.message, "problem": problem.kind}
        return JsonResponse(body, status=http_status(problem))
    return JsonResponse({"models": [_model_json(summary) for summary in summaries]})


def _declared() -> list[dict]:
    """Models declared in the dashboard, for caches written without the library."""
    return [declared.schema() for declared in DeclaredModel.objects.all()]


def _model_json(summary: dict) -> dict:
    schema, census = summary["schema"], summary["census"] or {}
    return {
        "name": schema["name"],
        "buckets": census.get("buckets"),
        "objects": census.get("objects"),
        "memory": census.get("memory"),
        "ttl": census.get("ttl", {"min": None, "max": None}),
        "hit_rate": summary["rates"] or {"1m": None, "15m": None, "1h": None},
        "inverted": schema.get("inverted", []),
        "bucket_rule": schema.get("bucket"),
        "version": schema.get("version"),
        "sampled": census.get("sampled", False),
    }


@require_GET
def cache_model(request: HttpRequest, name: str) -> HttpResponse:
    form = LookupForm(request.GET)
    cursor = form.cleaned_data["cursor"] if form.is_valid() else 0
    declared = _declared()

    def read(client):
        schema = cachemodels.model_schema(client, name, declared)
        if schema is None:
            return None
        rows, next_cursor = cachemodels.bucket_page(client, name, cursor=cursor, count=50)
        return {
            "schema": schema,
            "census": cachemodels.census(client, name),
            "rates": cachemodels.model_rates(client, name),
            "series": cachemodels.rate_series(client, name),
            "limits": cachemodels.compact_limits(client),
            "attributes": [
                cachemodels.attribute_values(client, name, attribute)
                for attribute in schema["inverted"]
            ],
            "buckets": rows,
            "next_cursor": next_cursor,
        }

    found, problem = call_redis(read)
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
    declared = _declared()

    def read(client):
        schema = cachemodels.model_schema(client, name, declared)
        if schema is None:
            return None
        result = {"schema": schema}
        if data["id"]:
            result["found"] = cachemodels.object_lookup(client, schema, data["id"])
        elif data["attribute"] and data["value"]:
            if data["attribute"] not in schema["inverted"]:
                result["bad_attribute"] = True
            else:
                result["by_value"] = cachemodels.attribute_lookup(
                    client,
                    schema,
                    data["attribute"],
                    data["value"],
                    cursor=data["cursor"],
                    count=50,
                )
        return result

    found, problem = call_redis(read)
    if not problem and found is None:
        raise Http404("No model of that name is registered.")
    context = {"name": name, "form": form, "data": data, "problem": problem, **(found or {})}
    status = http_status(problem) if problem else (400 if context.get("bad_attribute") else 200)
    return render(request, "cache/lookup.html", context, status=status)


@require_POST
def check_start_view(request: HttpRequest, name: str) -> HttpResponse:
    check = check_start(user=request.user, model=name)
    return redirect("cache_check", check_id=check.id)


@require_GET
def check_page(request: HttpRequest, check_id) -> HttpResponse:
    check = get_object_or_404(ConsistencyCheck, id=check_id, user=request.user)
    return render(request, "cache/check.html", {"check": check})


@require_POST
def check_step_view(request: HttpRequest, check_id) -> HttpResponse:
    check = get_object_or_404(ConsistencyCheck, id=check_id, user=request.user)
    check = check_advance(check, _declared())
    return render(request, "cache/partials/check_progress.html", {"check": check})


@require_POST
def check_stop_view(request: HttpRequest, check_id) -> HttpResponse:
    check = check_stop(get_object_or_404(ConsistencyCheck, id=check_id, user=request.user))
    if request.htmx:
        return render(request, "cache/partials/check_progress.html", {"check": check})
    return redirect("cache_check", check_id=check.id)
