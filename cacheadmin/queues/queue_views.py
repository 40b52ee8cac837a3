"""One RabbitMQ queue: its detail, a peek at its first messages, and the operators'
purge and test publish, confirmed and audited."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from cacheadmin.gateways.problems import Problem, http_status
from cacheadmin.gateways.service_calls import call_rabbit
from cacheadmin.queues.broker import peek, purge
from cacheadmin.queues.forms import PeekForm, PublishForm, QueueForm
from cacheadmin.queues.publishing import test_message_publish
from cacheadmin.queues.reads import rabbit_queue_describe
from cacheadmin.web.access import operator_required
from cacheadmin.web.audit import audit_outcome
from cacheadmin.web.roles import can_operate

TRUNCATE = 20_000  # bytes of a peeked payload
QUORUM_PEEK = (
    "Peeking at a quorum queue counts as a delivery of each message, and past the queue's "
    "delivery limit RabbitMQ drops or dead-letters it: only operators may, after confirming."
)


def peek_can_lose_messages(queue: dict) -> bool:
    """A quorum queue counts every put-back toward its delivery limit (by argument, by
    policy, or RabbitMQ 4's default of 20)."""
    return queue.get("type") == "quorum"


def _detail_context(
    request: HttpRequest, vhost: str, name: str, *, charts: bool = True, **extra
) -> tuple[dict, int]:
    queue, problem = rabbit_queue_describe(
        instance=request.instance, vhost=vhost, name=name, charts=charts
    )
    context = {
        "vhost": vhost,
        "name": name,
        "queue": queue,
        "problem": problem,
        "depth_chart": queue and queue.get("depth_chart"),
        "rate_chart": queue and queue.get("rate_chart"),
        "history_chart": queue and queue.get("history_chart"),
        "refresh_seconds": settings.RABBITMQ_STATS_INTERVAL,
        **extra,
    }
    return context, http_status(problem) if problem else 200


@require_GET
def queue_page(request: HttpRequest) -> HttpResponse:
    form = QueueForm(request.GET)
    if not form.is_valid():
        return render(request, "queues/detail.html", {"form_errors": form}, status=400)
    context, status = _detail_context(request, **form.cleaned_data)
    if request.htmx:  # a refresh: the fragment shows the problem, and htmx swaps only a 200
        return render(request, "queues/partials/figures.html", context)
    return render(request, "queues/detail.html", context, status=status)


@require_POST
def queue_peek(request: HttpRequest) -> HttpResponse:
    """The first messages, put back at once. On a quorum queue every put-back counts as a
    delivery, and past its delivery limit the broker drops or dead-letters the message:
    there, peeking is for operators, after a confirmation that says so."""
    form = PeekForm(request.POST)
    if not form.is_valid():
        return render(request, "queues/detail.html", {"form_errors": form}, status=400)
    data = form.cleaned_data
    context, status = _detail_context(
        request, data["vhost"], data["name"], peek_count=data["count"]
    )
    if context["problem"]:  # one wait for a broker that cannot be asked, not two
        return render(request, "queues/detail.html", context, status=status)
    risky = peek_can_lose_messages(context["queue"])
    if risky:
        if not can_operate(request.user, request.instance.name):
            raise PermissionDenied(QUORUM_PEEK)
        if request.POST.get("confirmed") != "yes":
            return render(request, "queues/confirm.html", context | {"action": "peek"})
    peeked, problem = call_rabbit(
        lambda client: peek(
            client, vhost=data["vhost"], name=data["name"], count=data["count"], truncate=TRUNCATE
        ),
        instance=request.instance,
    )
    if risky:
        count = None if problem else len(peeked)
        _audit(request, "queue.peek", data["vhost"], data["name"], count, problem)
    celery_peek = any(message["celery"].is_task for message in peeked or [])
    return render(
        request,
        "queues/detail.html",
        context | {"peeked": peeked, "peek_problem": problem, "celery_peek": celery_peek},
    )


@operator_required
@require_POST
def queue_purge(request: HttpRequest) -> HttpResponse:
    form = QueueForm(request.POST)
    if not form.is_valid():
        return render(request, "queues/detail.html", {"form_errors": form}, status=400)
    vhost, name = form.cleaned_data["vhost"], form.cleaned_data["name"]
    context, status = _detail_context(request, vhost, name, charts=False, action="purge")
    if request.POST.get("confirmed") != "yes" or context["problem"]:
        return render(request, "queues/confirm.html", context, status=status)
    depth = context["queue"]["messages_ready"]
    _, problem = call_rabbit(
        lambda client: purge(client, vhost=vhost, name=name), instance=request.instance
    )
    _audit(request, "queue.purge", vhost, name, depth, problem)
    if problem:
        context["problem"] = problem
        return render(request, "queues/confirm.html", context, status=http_status(problem))
    return redirect(reverse("queue") + "?" + urlencode({"vhost": vhost, "name": name}))


@operator_required
@require_POST
def queue_publish(request: HttpRequest) -> HttpResponse:
    form = PublishForm(request.POST)
    if not form.is_valid():
        vhost, name = request.POST.get("vhost", ""), request.POST.get("name", "")
        context, _ = _detail_context(request, vhost, name, publish_form=form)
        return render(request, "queues/detail.html", context, status=400)
    data = form.cleaned_data
    routing_key = data["routing_key"] or data["name"]
    context, status = _detail_context(
        request,
        data["vhost"],
        data["name"],
        charts=False,
        action="publish",
        publish=data
        | {"routing_key": routing_key, "headers_text": request.POST.get("headers", "")},
    )
    if request.POST.get("confirmed") != "yes":
        return render(request, "queues/confirm.html", context, status=status)
    problem = test_message_publish(
        instance=request.instance,
        vhost=data["vhost"],
        routing_key=routing_key,
        body=data["body"].encode(),
        headers=data["headers"],
    )
    _audit(request, "queue.publish", data["vhost"], routing_key, 1, problem)
    if problem:
        context["problem"] = problem
        return render(request, "queues/confirm.html", context, status=http_status(problem))
    return redirect(
        reverse("queue") + "?" + urlencode({"vhost": data["vhost"], "name": data["name"]})
    )


def _audit(request, action: str, vhost: str, name: str, count, problem: Problem | None) -> None:
    target = f"vhost {vhost}: {name}"
    audit_outcome(
        user=request.user,
        instance=request.instance,
        action=action,
        target=target,
        problem=problem,
        count=count,
    )
