"""JSON API for scripts: the key browser's pages and one key's metadata."""

from django.http import HttpRequest, JsonResponse

from cacheadmin.gateways.keycodec import decode_key, display_key, encode_key
from cacheadmin.gateways.service_calls import call_redis
from cacheadmin.keys.forms import KeyBrowseForm, ValueQueryForm
from cacheadmin.keys.keyspace import KeyInfo, browse
from cacheadmin.keys.one_key import key_summary
from cacheadmin.web.json_api import (
    BAD_REQUEST,
    NOT_FOUND,
    api_error,
    invalid_form,
    json_methods,
    problem_response,
)


@json_methods("GET")
def api_keys(request: HttpRequest) -> JsonResponse:
    form = KeyBrowseForm(request.GET)
    if not form.is_valid():
        return invalid_form(form)
    db = form.cleaned_data["db"]
    page, problem = call_redis(
        lambda space: browse(space, **form.scan_args()),
        db=db,
        instance=request.instance,
    )
    if problem:
        return problem_response(problem)
    return JsonResponse(
        {
            # A single server's SCAN cursor (a number); a cluster's, as text.
            "cursor": page.cursor_text if page.cluster else page.cursor,
            # Pass back beside the cursor: a page refuses (409) a cursor of another server.
            "server": page.server,
            "done": page.done,
            "scanned": page.examined,
            "dbsize": page.dbsize,
            "keys": [key_json(row) for row in page.rows],
            "down": list(page.down),
        }
    )


@json_methods("GET")
def api_key(request: HttpRequest, encoded: str) -> JsonResponse:
    try:
        key = decode_key(encoded)
    except ValueError:
        return api_error(BAD_REQUEST, "This is not a key in URL-safe base64 without padding.")
    form = ValueQueryForm(request.GET)
    if not form.is_valid():
        return invalid_form(form)
    found, problem = call_redis(
        lambda space: key_summary(space, key),
        db=form.cleaned_data["db"],
        instance=request.instance,
    )
    if problem:
        return problem_response(problem)
    info, access = found
    if info.gone:
        return api_error(NOT_FOUND, "There is no such key.", key_b64=encoded)
    return JsonResponse(key_json(info) | access)


def key_json(info: KeyInfo) -> dict:
    return (
        {
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
        | ({"node": info.node} if info.node else {})
        | ({"unknown": info.unknown} if info.unknown else {})
    )


def _seconds(ttl_ms: int | None) -> int | None:
    """TTL in whole seconds as the TTL command counts them; -1 none, -2 gone."""
    if ttl_ms is None:
        return None
    return ttl_ms if ttl_ms < 0 else (ttl_ms + 500) // 1000
