"""The overview page (/), its refreshing fragment, its JSON, and the statistics reset."""

import dataclasses

import redis
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from cacheadmin import connections
from cacheadmin.access import operator_required
from cacheadmin.audit import audit_record
from cacheadmin.models import AuditEntry
from cacheadmin.overview import all_cards, redis_card
from cacheadmin.redis import errors as redis_errors
from cacheadmin.redis import info as redis_info


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    context = {"cards": all_cards(), "refresh_seconds": settings.OVERVIEW_REFRESH_SECONDS}
    template = "overview/partials/cards.html" if request.htmx else "overview/index.html"
    return render(request, template, context)


@require_GET
def overview_api(request: HttpRequest) -> JsonResponse:
    cards = all_cards()
    return JsonResponse({name: _card_json(card) for name, card in cards.items()})


@operator_required
@require_http_methods(["GET", "POST"])
def redis_reset_stats(request: HttpRequest) -> HttpResponse:
    """CONFIG RESETSTAT, after a confirmation page: hit rate and counters start from zero."""
    if request.method == "GET":
        return render(request, "overview/reset_stats.html", {"card": redis_card()})
    target = "CONFIG RESETSTAT"
    try:
        client = connections.redis_client()
        redis_info.reset_statistics(client)
    except connections.ConfigError as exc:
        return _reset_failed(request, target, str(exc))
    except redis.RedisError as exc:
        return _reset_failed(request, target, redis_errors.explain(exc, client=client).message)
    audit_record(user=request.user, action="redis.reset_stats", target=target)
    return redirect("overview")


def _reset_failed(request: HttpRequest, target: str, message: str) -> HttpResponse:
    audit_record(
        user=request.user,
        action="redis.reset_stats",
        target=target,
        outcome=AuditEntry.Outcome.FAILED,
        error=message,
    )
    context = {"card": redis_card(), "error": message}
    return render(request, "overview/reset_stats.html", context, status=503)


def _card_json(card: dict) -> dict:
    problem = card["problem"]
    return {
        "ok": problem is None,
        "figures": card["figures"],
        "problem": dataclasses.asdict(problem) if problem else None,
    }
