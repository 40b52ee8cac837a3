"""Namespaces: keys grouped by prefix, from a sample at once or from a full scan on request."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from cacheadmin.gateways.problems import http_status
from cacheadmin.gateways.service_calls import call_redis
from cacheadmin.keys import namespaces
from cacheadmin.keys.forms import NamespaceForm
from cacheadmin.keys.namespace_scans import scan_advance, scan_start, scan_stop, tally_of
from cacheadmin.models import NamespaceScan


@require_GET
def namespace_sample(request: HttpRequest) -> HttpResponse:
    form = NamespaceForm(request.GET)
    if not form.is_valid():
        return render(request, "keys/namespaces.html", {"form": form}, status=400)
    data = form.cleaned_data
    result, problem = call_redis(
        lambda space: namespaces.sample(
            space, prefix=data["prefix"], delimiter=data["delimiter"], size=data["sample"]
        ),
        db=data["db"],
        instance=request.instance,
    )
    context = {"form": form, "data": data, "problem": problem}
    if result:
        tally, dbsize = result
        covered = min(tally.examined, dbsize) or 1
        scale = 1.0 if tally.done else dbsize / covered
        context |= {"tally": tally, "dbsize": dbsize, "scale": scale, "rows": tally.rows(scale)}
    status = http_status(problem) if problem else 200
    return render(request, "keys/namespaces.html", context, status=status)


@require_POST
def namespace_scan_start(request: HttpRequest) -> HttpResponse:
    form = NamespaceForm(request.POST)
    if not form.is_valid():
        return render(request, "keys/namespaces.html", {"form": form}, status=400)
    data = form.cleaned_data
    scan = scan_start(
        user=request.user,
        instance=request.instance,
        db=data["db"],
        prefix=data["prefix"],
        delimiter=data["delimiter"],
    )
    return redirect("namespace_scan", scan_id=scan.id)


@require_GET
def namespace_scan(request: HttpRequest, scan_id) -> HttpResponse:
    scan = get_object_or_404(
        NamespaceScan, id=scan_id, user=request.user, instance=request.instance
    )
    return render(request, "keys/namespace_scan.html", _scan_context(scan))


@require_POST
def namespace_scan_step(request: HttpRequest, scan_id) -> HttpResponse:
    scan = scan_advance(
        get_object_or_404(NamespaceScan, id=scan_id, user=request.user, instance=request.instance)
    )
    return render(request, "keys/partials/scan_progress.html", _scan_context(scan))


@require_POST
def namespace_scan_stop(request: HttpRequest, scan_id) -> HttpResponse:
    scan = scan_stop(
        get_object_or_404(NamespaceScan, id=scan_id, user=request.user, instance=request.instance)
    )
    if request.htmx:
        return render(request, "keys/partials/scan_progress.html", _scan_context(scan))
    return redirect("namespace_scan", scan_id=scan.id)


def _scan_context(scan: NamespaceScan) -> dict:
    tally = tally_of(scan)
    return {"scan": scan, "tally": tally, "rows": tally.rows()}
