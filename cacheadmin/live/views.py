"""/live/: feeds of pub/sub traffic over /ws/live/, the server's active channels, and
the operators' switch for keyspace notifications."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from cacheadmin.gateways import connections
from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.own_data import replica_refusal
from cacheadmin.gateways.problems import http_status
from cacheadmin.gateways.service_calls import call_redis
from cacheadmin.live.forms import KeyspaceEventsForm
from cacheadmin.live.pubsub import PRESETS, pubsub_overview, set_keyspace_events
from cacheadmin.web.access import operator_required
from cacheadmin.web.audit import audit_outcome

CHANNELS_REFRESH_SECONDS = 5


def _context(instance: Instance, **extra) -> dict:
    overview, problem = call_redis(
        lambda space: connections.redis_answers().get(
            ("pubsub", instance.name), lambda: pubsub_overview(space)
        ),
        instance=instance,
    )
    current = set((overview or {}).get("keyspace_events") or "")
    return {
        "pubsub": overview,
        # Redis reorders the flags it is given ("Exe" reads back as "xeE").
        "keyspace_preset": next((flags for flags, _ in PRESETS if set(flags) == current), None),
        "problem": problem,
        "presets": PRESETS,
        "refresh_seconds": CHANNELS_REFRESH_SECONDS,
        **extra,
    }


@require_GET
def live_page(request: HttpRequest) -> HttpResponse:
    has_redis = request.instance.redis is not None
    context = {
        "has_rabbit": request.instance.rabbitmq is not None,
        # Sentinel's own events are offered where there are sentinels to tell them.
        "sentinel": connections.has_sentinels(request.instance),
    }
    context["sources_offered"] = _sources_offered(
        has_redis=has_redis, has_rabbit=context["has_rabbit"], sentinel=context["sentinel"]
    )
    if has_redis:  # a RabbitMQ-only instance has no channels
        context |= _context(request.instance)
    if request.htmx:  # the channels' refresh: htmx swaps only a 200
        return render(request, "live/partials/channels.html", context)
    return render(request, "live/index.html", context)


def _sources_offered(*, has_redis: bool, has_rabbit: bool, sentinel: bool) -> str:
    """The page's sources in words, as its source list offers them."""
    sources = []
    if has_redis:
        sources += ["Redis channels and patterns", "keyspace notifications"]
    if has_rabbit:
        sources.append("a RabbitMQ exchange tap")
    if has_redis or has_rabbit:
        sources.append("Celery's events")
    if has_redis:
        sources.append("the dashboard's invalidations")
    if sentinel:
        sources.append("the sentinels' own events")
    if len(sources) < 2:
        return "".join(sources)
    return ", ".join(sources[:-1]) + ", and " + sources[-1]


@operator_required
@require_POST
def keyspace_events(request: HttpRequest) -> HttpResponse:
    """Set notify-keyspace-events after a confirmation; audited."""
    form = KeyspaceEventsForm(request.POST)
    if not form.is_valid():
        return render(
            request, "live/confirm.html", _context(request.instance, form=form), status=400
        )
    flags = form.cleaned_data["flags"]
    if request.POST.get("confirmed") != "yes":
        return render(
            request, "live/confirm.html", _context(request.instance, form=form, flags=flags)
        )
    problem = replica_refusal(request.instance)
    if not problem:
        _, problem = call_redis(
            lambda space: set_keyspace_events(space, flags),
            instance=request.instance,
            write=True,
        )
    connections.redis_answers().close()  # the page must show the new setting at once
    audit_outcome(
        user=request.user,
        instance=request.instance,
        action="redis.keyspace_events",
        target=f"notify-keyspace-events {flags!r}",
        problem=problem,
    )
    if problem:
        context = _context(request.instance, form=form, flags=flags, action_problem=problem)
        return render(request, "live/confirm.html", context, status=http_status(problem))
    return redirect("live")
