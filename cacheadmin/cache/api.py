"""JSON API of the object cache: every model with its figures."""

from django.http import HttpRequest, JsonResponse

from cacheadmin.cache.reads import models_summarise
from cacheadmin.web.json_api import json_methods, problem_response


@json_methods("GET")
def api_cache_models(request: HttpRequest) -> JsonResponse:
    summaries, problem = models_summarise(instance=request.instance)
    if problem:
        return problem_response(problem)
    return JsonResponse({"models": [_model_json(summary) for summary in summaries]})


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
