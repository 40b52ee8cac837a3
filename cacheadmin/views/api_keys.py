"""JSON API for scripts: the key browser's pages and one key's metadata."""

from django.http import HttpRequest, JsonResponse

from cacheadmin.forms import KeyBrowseForm, ValueQueryForm
from cacheadmin.problems import Problem, http_status
from cacheadmin.redis.keycodec import decode_key, display_key, encode_key
from cacheadmin.redis.keys import KeyInfo, browse, key_summary
from cacheadmin.service_calls import call_redis
from cacheadmin.views.api import form_errors, json_methods


@json_methods("GET")
def api_keys(request: HttpRequest) -> JsonResponse:
    form = KeyBrowseForm(request.GET)
    if not form.is_valid():
        return _invalid(form)
    db = form.cleaned_data["db"]
    page, problem = call_redis(lambda client: browse(client, **form.scan_args()), db=db)
    if problem:
        return _problem(problem)
    return JsonResponse(
        {
            "cursor": page.cursor,
            "done": page.done,
            "scanned": page.examined,
            "dbsize": page.dbsize,
            "keys": [key_json(row) for row in page.rows],
        }
    )


@json_methods("GET")
def api_key(request: HttpRequest, encoded: str) -> JsonResponse:
    try:
        key = decode_key(encoded)
    except ValueError:
        return JsonResponse({"error": "not a key in URL-safe base64 without padding"}, status=400)
    form = ValueQueryForm(request.GET)
    if not form.is_valid():
        return _invalid(form)
    found, problem = call_redis(lambda client: key_summary(client, key), db=form.cleaned_data["db"])
    if problem:
        return _problem(problem)
    info, access = found
    if info.gone:
        return JsonResponse({"error": "no such key", "key_b64": encoded}, status=404)
    return JsonResponse(key_json(info) | access)


def key_json(info: KeyInfo) -> dict:
    return {
        "key": display_key(info.key),
        "key_b64": encode_key(info.key),
        "type": info.type,
        "ttl": _seconds(info.ttl_ms),
        "ttl_ms": info.ttl_ms,
        "size": info.size,
        "memory": info.memory,
        "encoding": info.encoding,
        "gone": info.gone,
    }


def _seconds(ttl_ms: int) -> int:
    """TTL in whole seconds as the TTL command counts them; -1 none, -2 gone."""
    return ttl_ms if ttl_ms < 0 else (ttl_ms + 500) // 1000


def _invalid(form) -> JsonResponse:
    fields = form_errors(form)
    return JsonResponse({"error": "invalid query", "fields": fields}, status=400)


def _problem(problem: Problem) -> JsonResponse:
    body = {"error": problem.message, "problem": problem.kind}
    return JsonResponse(body, status=http_status(problem))
