"""Server diagnostics pages: each server of the instance's slow log, clients, command
statistics, latency and memory, one report a page."""

import time
from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from cacheadmin.analysis.diagnostics import every_node_report
from cacheadmin.analysis.forms import ClientKillForm, ServerForm
from cacheadmin.analysis.server_changes import kill_client, reset_slowlog
from cacheadmin.display.charts import Series, line_chart
from cacheadmin.gateways.problems import http_status
from cacheadmin.gateways.service_calls import Outcome
from cacheadmin.web.access import operator_required

# The pages, in the order of their tabs: the report each shows, and its title.
PAGES = {
    "slowlog": ("slowlog", "Slow log"),
    "clients": ("clients", "Clients"),
    "commands": ("commandstats", "Commands"),
    "latency": ("latency", "Latency"),
    "memory": ("memory", "Memory"),
}
LATENCY_SPAN = 3600  # the latency charts' last hour


@require_GET
def diagnostics_home(request: HttpRequest) -> HttpResponse:
    return redirect("diagnostics", page="slowlog")


@require_GET
def diagnostics_page(request: HttpRequest, page: str) -> HttpResponse:
    if page not in PAGES:
        raise Http404("There is no such diagnostic.")
    report, title = PAGES[page]
    nodes, problem = every_node_report(instance=request.instance, report=report)
    if page == "latency" and nodes:
        nodes = [node | {"charts": _latency_charts(node["report"])} for node in nodes]
    context = {
        "page": page,
        "title": title,
        "tabs": [(name, label) for name, (_, label) in PAGES.items()],
        "nodes": nodes or [],
        "problem": problem,
        "several": nodes is not None and len(nodes) > 1,
    }
    status = http_status(problem) if problem else 200
    return render(request, f"analysis/{page}.html", context, status=status)


def _latency_charts(report: dict | None) -> list[dict]:
    """Each latency event's history (LATENCY HISTORY, its last 160 spikes) charted."""
    now = time.time()
    return [
        {
            "event": event["event"],
            "chart": line_chart(
                [Series("ms", "tone-orange", event["history"])], span_seconds=LATENCY_SPAN, end=now
            ),
        }
        for event in (report or {}).get("events", [])
    ]


@operator_required
@require_POST
def slowlog_reset(request: HttpRequest) -> HttpResponse:
    """Empty one server's slow log, after a confirmation."""
    form = ServerForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Name the server, as the page showed it.")
    data = form.cleaned_data

    def reset() -> Outcome:
        return reset_slowlog(
            user=request.user,
            instance=request.instance,
            node=data["node"],
            seen_run_id=data["run_id"],
        )

    return _confirmed(request, "slowlog_reset", data, reset, "slowlog", "The slow log was emptied.")


@operator_required
@require_POST
def client_kill(request: HttpRequest) -> HttpResponse:
    """End one client's connection, after a confirmation."""
    form = ClientKillForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Name the client and its server, as the page showed them.")
    data = form.cleaned_data

    def kill() -> Outcome:
        return kill_client(
            user=request.user,
            instance=request.instance,
            node=data["node"],
            seen_run_id=data["run_id"],
            client_id=data["id"],
            addr=data["addr"],
        )

    done = f"The connection of client {data['id']} ({data['addr']}) was ended."
    return _confirmed(request, "client_kill", data, kill, "clients", done)


def _confirmed(
    request: HttpRequest,
    action: str,
    data: dict,
    change: Callable[[], Outcome],
    page: str,
    done: str,
) -> HttpResponse:
    """The confirmation, or the change made and told on its page; a problem on the
    confirmation page, with nothing done."""
    context = {"action": action, "data": data}
    if request.POST.get("confirmed") != "yes":
        return render(request, "analysis/confirm.html", context)
    _, problem = change()
    if problem:
        context["problem"] = problem
        return render(request, "analysis/confirm.html", context, status=http_status(problem))
    messages.success(request, done)
    return redirect("diagnostics", page=page)
