"""The overview page (/), its rows and refreshing fragment, the statistics reset's
pages, and /healthz."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cacheadmin.gateways import connections
from cacheadmin.gateways.problems import TIMEOUT, UNREACHABLE, http_status
from cacheadmin.monitoring import alert_rules
from cacheadmin.overview.all_instances import instance_row, instance_rows
from cacheadmin.overview.cards import all_cards, redis_card
from cacheadmin.overview.changes import reset_statistics
from cacheadmin.overview.health import health_report
from cacheadmin.web.access import operator_required
from cacheadmin.web.instance_paths import every_instance, instance_path, visible_to


@every_instance
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """An instance's overview at /i/<name>/; at /, every instance's the user may see,
    or the one there is."""
    names = visible_to(request)
    if not request.instance_named and names != [request.instance.name]:
        if len(names) == 1:
            return redirect(instance_path(names[0], "/"))
        return _all_instances(request, names)
    context = {
        "cards": all_cards(request.instance),
        "refresh_seconds": settings.OVERVIEW_REFRESH_SECONDS,
        "mistakes": _mistakes_for(request),
        "firing_alerts": alert_rules.firing([request.instance.name]),
    }
    template = "overview/partials/cards.html" if request.htmx else "overview/index.html"
    return render(request, template, context)


def _all_instances(request: HttpRequest, names: list[str]) -> HttpResponse:
    context = {
        "rows": instance_rows(names),
        "refresh_seconds": settings.OVERVIEW_REFRESH_SECONDS,
        "mistakes": _mistakes_for(request),
        "firing_alerts": alert_rules.firing(names),
        "every_instance": True,  # the switcher says so rather than name default
    }
    return render(request, "overview/all.html", context)


@require_GET
def overview_row(request: HttpRequest, kind: str) -> HttpResponse:
    """One instance's row of the all-instances overview, asked of that instance alone:
    the overview asks each row by itself, so a hung instance holds up its row only."""
    row = instance_row(request.instance, kind)
    if row is None:
        raise Http404(f"The instance {request.instance} has no {kind}.")
    context = {"row": row, "refresh_seconds": settings.OVERVIEW_REFRESH_SECONDS}
    return render(request, f"overview/partials/{kind}_row.html", context)


def _mistakes_for(request: HttpRequest) -> tuple:
    """The instances file's mistakes, for superusers: they name instances (and files)
    that others may not know of."""
    return connections.instances().mistakes if request.user.is_superuser else ()


@operator_required
@require_http_methods(["GET", "POST"])
def redis_reset_stats(request: HttpRequest) -> HttpResponse:
    """CONFIG RESETSTAT, after a confirmation page: hit rate and counters start from zero."""
    if request.instance.redis is None:
        raise Http404(f"The instance {request.instance} has no Redis.")
    if request.method == "GET":
        context = {"card": redis_card(request.instance)}
        return render(request, "overview/reset_stats.html", context)
    problem = reset_statistics(user=request.user, instance=request.instance)
    if problem:
        # a server that did not answer is not asked again for the card: one timeout
        silent = problem.kind in (TIMEOUT, UNREACHABLE)
        card = {"problem": problem} if silent else redis_card(request.instance)
        context = {"card": card, "error": problem.message}
        return render(request, "overview/reset_stats.html", context, status=http_status(problem))
    return redirect("overview")


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The one page open without login, for load balancers and monitors."""
    report = health_report()
    # Only a dead database stops the dashboard from serving; a service that is
    # down is shown on its pages, so the node stays in rotation.
    status = 503 if report["status"] == "down" else 200
    return JsonResponse(report, status=status)
