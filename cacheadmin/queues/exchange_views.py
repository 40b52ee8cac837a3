"""RabbitMQ exchanges: a page of them, and one exchange's bindings."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cacheadmin.gateways.problems import http_status
from cacheadmin.gateways.service_calls import call_rabbit
from cacheadmin.queues.broker import exchange_bindings, exchange_page
from cacheadmin.queues.forms import ExchangeForm, QueueListForm


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
        ),
        instance=request.instance,
    )
    context = {"form": form, "data": data, "page": page, "problem": problem}
    return render(
        request, "queues/exchanges.html", context, status=http_status(problem) if problem else 200
    )


@require_GET
def exchange_detail(request: HttpRequest) -> HttpResponse:
    form = ExchangeForm(request.GET)
    if not form.is_valid():
        return render(request, "queues/exchange.html", {"form_errors": form}, status=400)
    vhost, name = form.cleaned_data["vhost"], form.cleaned_data["name"]
    bindings, problem = call_rabbit(
        lambda client: exchange_bindings(client, vhost=vhost, name=name),
        instance=request.instance,
    )
    context = {"vhost": vhost, "name": name, "bindings": bindings, "problem": problem}
    return render(
        request, "queues/exchange.html", context, status=http_status(problem) if problem else 200
    )
