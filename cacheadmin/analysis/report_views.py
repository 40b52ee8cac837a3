"""Keyspace analysis pages: the instance's analyses with a form to start one, an
analysis' report (its progress over the socket while it runs, a stop button), and two
reports side by side."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import BigIntegerField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cacheadmin.analysis import analysis_jobs
from cacheadmin.analysis.forms import AnalysisForm
from cacheadmin.analysis.report_pages import comparison, forecast_bars, ttl_bars
from cacheadmin.gateways.problems import http_status
from cacheadmin.models import KeyspaceAnalysis
from cacheadmin.web.roles import can_operate


@require_http_methods(["GET", "POST"])
def analyses(request: HttpRequest) -> HttpResponse:
    """GET: the instance's analyses, newest first, and the form. POST: a new one (a
    viewer may: it reads, and changes nothing)."""
    form = AnalysisForm(request.POST if request.method == "POST" else None)
    context = {"form": form}
    if form.is_bound and form.is_valid():
        row, problem = analysis_jobs.start(
            user=request.user, instance=request.instance, **form.cleaned_data
        )
        if row and not problem:
            return redirect("analysis", analysis_id=row.id)
        context["problem"] = problem
    context["page"] = _listed(request)
    context["rate"] = settings.ANALYSIS_KEYS_PER_SECOND
    context["max_minutes"] = settings.ANALYSIS_MAX_MINUTES
    status = 400 if form.is_bound and form.errors else 200
    if context.get("problem"):
        status = http_status(context["problem"])
    return render(request, "analysis/analyses.html", context, status=status)


def _listed(request: HttpRequest) -> Page:
    """A page of the instance's analyses, newest first, with their keys read, memory and
    how long they took; their reports (big) are not loaded."""
    rows = (
        KeyspaceAnalysis.objects.filter(instance=request.instance.name)
        .defer("report")
        .annotate(
            keys_read=Cast(KT("report__scanned"), BigIntegerField()),
            memory=Cast(KT("report__memory"), BigIntegerField()),
        )
        .order_by("-id")
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    for row in page:
        row.took = _took(row)
    return page


def _took(row: KeyspaceAnalysis) -> float | None:
    """Seconds from its start to its end (or now)."""
    if not row.started_at:
        return None
    return ((row.finished_at or timezone.now()) - row.started_at).total_seconds()


def _grouped_alike(first: KeyspaceAnalysis, second: KeyspaceAnalysis) -> bool:
    """Whether both group the same keys the same way: else namespaces differ by that."""

    def way(row: KeyspaceAnalysis) -> tuple:
        return (row.db, bytes(row.prefix), bytes(row.delimiter), row.depth)

    return way(first) == way(second)


def _analysis(request: HttpRequest, analysis_id: int) -> KeyspaceAnalysis:
    return get_object_or_404(KeyspaceAnalysis, id=analysis_id, instance=request.instance.name)


@require_GET
def analysis_page(request: HttpRequest, analysis_id: int) -> HttpResponse:
    row = _analysis(request, analysis_id)
    told = analysis_jobs.report_of(row)
    context = {
        "row": row,
        "told": told,
        "scope": analysis_jobs.scope(row),
        "forecast": forecast_bars(told["expiry_forecast"], row.report.get("started_ms", 0)),
        "ttl": ttl_bars(told["ttl_histogram"]),
        "busiest": [
            minute | {"seconds": minute["minute"] * 60}
            for minute in sorted(told["expiry_forecast"], key=lambda minute: -minute["keys"])[:10]
        ],
        "took": _took(row),
        "examined": min(row.examined, row.total),
        "no_ttl": sum(space["no_ttl"] for space in told["namespaces"]),
        "may_stop": _may_stop(request, row),
        "others": KeyspaceAnalysis.objects.filter(instance=row.instance)
        .exclude(id=row.id)
        .order_by("-id")
        .only("id", "created_at", "prefix", "db")[:20],
    }
    return render(request, "analysis/report.html", context)


def _may_stop(request: HttpRequest, row: KeyspaceAnalysis) -> bool:
    """Its requester may stop it, and an operator of the instance."""
    mine = row.requester_id == request.user.id
    return row.status in analysis_jobs.UNFINISHED and (
        mine or can_operate(request.user, row.instance)
    )


@require_POST
def analysis_stop(request: HttpRequest, analysis_id: int) -> HttpResponse:
    row = _analysis(request, analysis_id)
    if row.status not in analysis_jobs.UNFINISHED:
        messages.info(request, f"Analysis {row.id} had ended already ({row.status}).")
        return redirect("analysis", analysis_id=row.id)
    if not _may_stop(request, row):
        raise Http404("There is no such analysis to stop.")  # as for one not there
    analysis_jobs.stop(row, by=request.user)
    messages.success(request, f"Analysis {row.id} was stopped; what it read is kept.")
    return redirect("analysis", analysis_id=row.id)


@require_GET
def analyses_compare(request: HttpRequest) -> HttpResponse:
    """Two reports side by side: ?a=<id>&b=<id> (older first reads best)."""
    try:
        ids = [int(request.GET[name]) for name in ("a", "b")]
    except (KeyError, ValueError):
        messages.error(request, "Choose two analyses to compare.")
        return redirect("analyses")
    first, second = (_analysis(request, one) for one in ids)
    context = {
        "alike": _grouped_alike(first, second),
        "first": first,
        "second": second,
        "rows": comparison(analysis_jobs.report_of(first), analysis_jobs.report_of(second)),
        "scopes": (analysis_jobs.scope(first), analysis_jobs.scope(second)),
    }
    return render(request, "analysis/compare.html", context)
