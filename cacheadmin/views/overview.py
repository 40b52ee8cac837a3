"""The overview page (/), its refreshing fragment, its JSON, and the statistics reset."""

import dataclasses

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from cacheadmin.access import operator_required
from cacheadmin.audit import audit_record
from cacheadmin.models import AuditEntry
from cacheadmin.overview import all_cards, redis_card
from cacheadmin.redis import info as redis_info
from cacheadmin.service_calls import call_redis
from cacheadmin.views.api import json_methods


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    context = {"cards": all_cards(), "refresh_seconds": settings.OVERVIEW_REFRESH_SECONDS}
    template = "overview/partials/cards.html" if request.htmx else "overview/index.html"
    return render(request, template, context)


@json_methods("GET")
def overview_api(request: HttpRequest) -> JsonResponse:
    cards = all_cards()
    return JsonResponse({name: _card_json(card) for name, card in cards.items()})


@operator_required
@require_http_methods(["GET", "POST"])
def redis_reset_stats(request: HttpRequest) -> HttpResponse:
    """CONFIG RESETSTAT, after a confirmation page: hit rate and counters start from zero."""
    if request.method == "GET":
        return render(request, "overview/reset_stats.html", {"card": redis_card()})
    _, problem = call_redis(redis_info.reset_statistics)
    audit_record(
        user=request.user,
        action="redis.reset_stats",
        target="CONFIG RESETSTAT",
        outcome=AuditEntry.Outcome.FAILED if problem else AuditEntry.Outcome.OK,
        error=problem.message if problem else "",
    )
    if problem:
        context = {"card": redis_card(), "error": problem.message}
        return render(request, "overview/reset_stats.html", context, status=503)
    return redirect("overview")


def _card_json(card: dict) -> dict:
    problem = card["problem"]
    return {
        "ok": problem is None,
        "figures": card["figures"],
        "problem": dataclasses.asdict(problem) if problem else None,
    }
