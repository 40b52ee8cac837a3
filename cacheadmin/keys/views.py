"""The key browser: pages of keys by SCAN, a key's detail and viewers, operator actions."""

import re

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.keycodec import decode_key, display_key
from cacheadmin.gateways.problems import http_status
from cacheadmin.gateways.service_calls import call_redis
from cacheadmin.keys.forms import KeyBrowseForm, TtlForm, ValueQueryForm
from cacheadmin.keys.key_changes import KeyChange, change_key, change_refusal
from cacheadmin.keys.keyspace import KeyPage, browse
from cacheadmin.keys.one_key import key_summary
from cacheadmin.keys.values import read_value, stream_groups
from cacheadmin.web.access import operator_required

# Rows kept in the list as Continue appends pages: past them the page drops the oldest
# (static/js/keys.js), since a table of tens of thousands of rows slows the browser.
ROWS_KEPT = 5_000


@require_GET
def key_list(request: HttpRequest) -> HttpResponse:
    """The first page, or (htmx, with a cursor) the rows of the next one, swapped in for
    the "continue" row; a failure on the way is told in that row, with a retry."""
    form = KeyBrowseForm(request.GET)
    continuing = bool(request.htmx and request.GET.get("cursor"))
    template = "keys/partials/rows.html" if continuing else "keys/list.html"
    if not form.is_valid():
        return render(request, template, {"form": form}, status=200 if continuing else 400)
    data = form.cleaned_data
    page, problem = call_redis(
        lambda space: browse(space, **form.scan_args()),
        db=data["db"],
        instance=request.instance,
    )
    scanned = (data["scanned"] or 0) + (page.examined if page else 0)
    if page and page.dbsize is not None:  # COUNT is a hint: never more than there are
        scanned = min(scanned, page.dbsize)
    context = {
        "form": form,
        "page": page,
        "problem": problem,
        "scanned": scanned,
        "next_query": _next_query(request, page, scanned),
        "this_query": request.GET.urlencode(),
        "first_query": _first_query(request),
        "rows_kept": ROWS_KEPT,
        "own_db": _confined_to(request.instance),
    }
    status = http_status(problem) if problem and not continuing else 200
    return render(request, template, context, status=status)


def _confined_to(instance: Instance) -> int | None:
    """The one database an instance reaches (databases = "own"); None: any."""
    return instance.redis.confined_to if instance.redis else None


def _next_query(request: HttpRequest, page: KeyPage | None, scanned: int) -> str:
    """The query string of the page after this one; empty after the last."""
    if page is None or page.done:
        return ""
    query = request.GET.copy()
    query["cursor"] = page.cursor_text
    query["scanned"] = str(scanned)
    query["server"] = page.server
    return query.urlencode()


def _first_query(request: HttpRequest) -> str:
    """The query string of the first page of the same list."""
    query = request.GET.copy()
    for name in ("cursor", "scanned", "server"):
        query.pop(name, None)
    return query.urlencode()


@require_GET
def key_detail(request: HttpRequest, encoded: str) -> HttpResponse:
    key = _decode_or_404(encoded)
    form = ValueQueryForm(request.GET)
    if not form.is_valid():
        context = {"key": key, "form": form}
        return render(request, "keys/detail.html", context, status=400)
    query = form.cleaned_data
    details, problem = call_redis(
        lambda space: _read_key(space, key, query),
        db=query["db"],
        instance=request.instance,
    )
    context = {"key": key, "form": form, "query": query, "problem": problem, **(details or {})}
    if problem:
        return render(request, "keys/detail.html", context, status=http_status(problem))
    if details["info"].gone:
        return render(request, "keys/detail.html", context, status=404)
    return render(request, "keys/detail.html", context)


def _read_key(space, key: bytes, query: dict) -> dict:
    info, access, client = *key_summary(space, key), space.client
    if info.gone:
        return {"info": info}
    return {
        "info": info,
        "access": access,
        "value": read_value(client, key, info.type, query),
        "groups": stream_groups(client, key) if info.type == "stream" else [],
    }


@operator_required
@require_POST
def key_delete(request: HttpRequest, encoded: str) -> HttpResponse:
    return _key_action(request, encoded, "key.delete")


@operator_required
@require_POST
def key_set_ttl(request: HttpRequest, encoded: str) -> HttpResponse:
    form = TtlForm(request.POST)
    if not form.is_valid():
        key = _decode_or_404(encoded)
        context = {"key": key, "ttl_form": form, "db": _posted_db(request)}
        return render(request, "keys/confirm.html", context, status=400)
    return _key_action(request, encoded, "key.set_ttl", form.cleaned_data["seconds"])


@operator_required
@require_POST
def key_remove_ttl(request: HttpRequest, encoded: str) -> HttpResponse:
    return _key_action(request, encoded, "key.remove_ttl")


def _key_action(request, encoded: str, action: str, seconds: int | None = None) -> HttpResponse:
    """Confirm, then make one change to one key (key_changes), and go back to the key."""
    change = KeyChange(action, _decode_or_404(encoded), _posted_db(request), seconds)
    context = {"key": change.key, "db": change.db, "action": action, "seconds": seconds}
    if request.POST.get("confirmed") != "yes":
        refusal = change_refusal(instance=request.instance, change=change)
        context |= {"problem": refusal, "refused": True} if refusal else {}
        status = http_status(refusal) if refusal else 200
        return render(request, "keys/confirm.html", context, status=status)
    outcome = change_key(user=request.user, instance=request.instance, change=change)
    if outcome.problem:
        context |= {"problem": outcome.problem, "refused": outcome.refused}
        return render(request, "keys/confirm.html", context, status=http_status(outcome.problem))
    messages.success(request, _done_message(action, change.key, outcome.changed, seconds))
    query = f"?db={change.db}" if change.db is not None else ""
    if action == "key.delete":
        return redirect(reverse("keys") + query)
    return redirect(reverse("key_detail", args=[encoded]) + query)


def _done_message(action: str, key: bytes, changed: bool, seconds: int | None) -> str:
    shown = display_key(key)
    if not changed and action == "key.delete":
        return f"Nothing changed: {shown} was already gone."
    if not changed:
        return f"Nothing changed: {shown} was gone or had no TTL."
    if action == "key.delete":
        return f"Deleted {shown}."
    if action == "key.set_ttl":
        return f"{shown} now expires in {seconds} s."
    return f"{shown} no longer expires."


def _decode_or_404(encoded: str) -> bytes:
    try:
        return decode_key(encoded)
    except ValueError:
        raise Http404("This is not the address of a key.") from None


def _posted_db(request: HttpRequest) -> int | None:
    raw = request.POST.get("db", "")
    if raw == "":
        return None
    if not re.fullmatch(r"[0-9]{1,4}", raw) or int(raw) > 1023:
        raise BadRequest("db must be a database number.")
    return int(raw)
