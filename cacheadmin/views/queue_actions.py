"""One RabbitMQ queue: its detail, a peek at its first messages, and the operators'
purge and test publish, confirmed and audited."""

import pika
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from cacheadmin import connections
from cacheadmin.access import operator_required
from cacheadmin.audit import audit_record
from cacheadmin.charts import chart_end, line_chart
from cacheadmin.forms import ExchangeForm, PeekForm, PublishForm, QueueForm, QueueListForm
from cacheadmin.models import AuditEntry
from cacheadmin.problems import UNREACHABLE, Problem
from cacheadmin.rabbit import amqp
from cacheadmin.rabbit.history import SPAN_SECONDS
from cacheadmin.rabbit.queues import (
    exchange_bindings,
    exchange_page,
    peek,
    purge,
    queue_detail,
)
from cacheadmin.service_calls import call_rabbit
from cacheadmin.views.queues import broker_status

TRUNCATE = 20_000  # bytes of a peeked payload


def _detail_context(
    request: HttpRequest, vhost: str, name: str, *, charts: bool = True, **extra
) -> tuple[dict, int]:
    def fetch(client):
        if not charts:  # a confirmation: the figures of now, not of the last interval
            return queue_detail(client, vhost=vhost, name=name, history=False)
        key = (settings.RABBITMQ_MANAGEMENT_URL, "queue", vhost, name)
        return connections.rabbit_answers().get(
            key, lambda: queue_detail(client, vhost=vhost, name=name)
        )

    queue, problem = call_rabbit(fetch)
    context = {
        "vhost": vhost,
        "name": name,
        "queue": queue,
        "problem": problem,
        "refresh_seconds": settings.RABBITMQ_STATS_INTERVAL,
        **extra,
    }
    if queue and charts:
        end = chart_end(queue["depth_history"] + queue["rate_history"])
        context["depth_chart"] = line_chart(
            queue["depth_history"], span_seconds=SPAN_SECONDS, end=end
        )
        context["rate_chart"] = line_chart(
            queue["rate_history"], span_seconds=SPAN_SECONDS, end=end
        )
    return context, broker_status(problem) if problem else 200


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
    form = PeekForm(request.POST)
    if not form.is_valid():
        return render(request, "queues/detail.html", {"form_errors": form}, status=400)
    data = form.cleaned_data
    peeked, problem = call_rabbit(
        lambda client: peek(
            client, vhost=data["vhost"], name=data["name"], count=data["count"], truncate=TRUNCATE
        )
    )
    context, status = _detail_context(
        request, data["vhost"], data["name"], peeked=peeked, peek_problem=problem
    )
    return render(request, "queues/detail.html", context, status=status)


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
    _, problem = call_rabbit(lambda client: purge(client, vhost=vhost, name=name))
    _audit(request, "queue.purge", vhost, name, depth, problem)
    if problem:
        context["problem"] = problem
        return render(request, "queues/confirm.html", context, status=broker_status(problem))
    return redirect(reverse("queue") + "?" + urlencode({"vhost": vhost, "name": name}))


@operator_required
@require_POST
def queue_publish(request: HttpRequest) -> HttpResponse:
    form = PublishForm(request.POST)
    if not form.is_valid():
        context, _ = _detail_context(
            request, request.POST.get("vhost", ""), request.POST.get("name", ""), publish_form=form
        )
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
    problem = None
    try:
        amqp.publish_message(
            settings.RABBITMQ_URL,
            vhost=data["vhost"],
            routing_key=routing_key,
            body=data["body"].encode(),
            headers=data["headers"],
        )
    except (pika.exceptions.AMQPError, pika.exceptions.UnroutableError) as exc:
        problem = Problem(UNREACHABLE, f"RabbitMQ did not take the message: {exc!r}")
    _audit(request, "queue.publish", data["vhost"], routing_key, 1, problem)
    if problem:
        context["problem"] = problem
        return render(request, "queues/confirm.html", context, status=broker_status(problem))
    return redirect(
        reverse("queue") + "?" + urlencode({"vhost": data["vhost"], "name": data["name"]})
    )


def _audit(request, action: str, vhost: str, name: str, count, problem: Problem | None) -> None:
    audit_record(
        user=request.user,
        action=action,
        target=f"vhost {vhost}: {name}",
        count=None if problem else count,
        outcome=AuditEntry.Outcome.FAILED if problem else AuditEntry.Outcome.OK,
        error=problem.message if problem else "",
    )


@require_GET
def exchange_list(request: HttpRequest) -> HttpResponse:
    form = QueueListForm(request.GET)
    if not form.is_valid():
        return render(request, "queues/exchanges.html", {"form": form}, status=400)
    data = form.cleaned_data
    page, problem = call_rabbit(
        lambda client: exchange_page(
            client,
            vhost=data["vhost"] or None,
            name=data["name"],
            page=data["page"],
            page_size=data["page_size"],
        )
    )
    context = {"form": form, "data": data, "page": page, "problem": problem}
    return render(
        request, "queues/exchanges.html", context, status=broker_status(problem) if problem else 200
    )


@require_GET
def exchange_detail(request: HttpRequest) -> HttpResponse:
    form = ExchangeForm(request.GET)
    if not form.is_valid():
        return render(request, "queues/exchange.html", {"form_errors": form}, status=400)
    vhost, name = form.cleaned_data["vhost"], form.cleaned_data["name"]
    bindings, problem = call_rabbit(
        lambda client: exchange_bindings(client, vhost=vhost, name=name)
    )
    context = {"vhost": vhost, "name": name, "bindings": bindings, "problem": problem}
    return render(
        request, "queues/exchange.html", context, status=broker_status(problem) if problem else 200
    )
