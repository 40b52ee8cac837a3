"""JSON API of queues: a page of RabbitMQ's or of Redis's."""

from django.http import HttpRequest, JsonResponse

from cacheadmin.queues.forms import QueueListForm
from cacheadmin.queues.reads import rabbit_queues_page, redis_queues_page
from cacheadmin.web.json_api import invalid_form, json_methods, problem_response


@json_methods("GET")
def api_queues(request: HttpRequest) -> JsonResponse:
    form = QueueListForm(request.GET)
    if not form.is_valid():
        return invalid_form(form)
    query = form.cleaned_data
    # Celery's internal queues listed unless asked not to, as before the parameter
    hide_internal = query["internal"] is False
    if query["kind"] == "redis":
        page, problem = redis_queues_page(
            instance=request.instance, query=query, hide_internal=hide_internal
        )
    else:
        page, problem = rabbit_queues_page(
            instance=request.instance, query=query, hide_internal=hide_internal
        )
    if problem:
        return problem_response(problem)
    items = [
        {name: value for name, value in item.items() if name != "key"} for item in page["items"]
    ]
    answer = {
        "items": items,
        "page": page["page"],
        "page_size": page["page_size"],
        "total": page["total"],
    }
    if query["kind"] == "redis":
        answer |= {key: page[key] for key in ("complete", "cut_short_on", "down")}
    if "hidden" in page:
        answer["hidden"] = page["hidden"]
    return JsonResponse(answer)
