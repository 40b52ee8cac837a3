"""JSON API of the task frameworks: RQ's workers."""

from django.http import HttpRequest, JsonResponse

from cacheadmin.tasks.reads import workers_list
from cacheadmin.web.json_api import json_methods, problem_response


@json_methods("GET")
def api_workers(request: HttpRequest) -> JsonResponse:
    workers, problem = workers_list(instance=request.instance)
    if problem:
        return problem_response(problem)
    return JsonResponse({"items": [worker | {"framework": "rq"} for worker in workers]})
