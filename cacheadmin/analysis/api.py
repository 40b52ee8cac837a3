"""JSON API of server diagnostics: every server's slow log, clients and command
statistics, each item naming its node ("" on a single server)."""

from collections.abc import Callable

from django.http import HttpRequest, JsonResponse

from cacheadmin.analysis.diagnostics import every_node_report
from cacheadmin.web.json_api import json_methods, problem_response


def _items_of(report: str, rows: Callable[[object], list[dict]]) -> Callable:
    @json_methods("GET")
    def view(request: HttpRequest) -> JsonResponse:
        nodes, problem = every_node_report(instance=request.instance, report=report)
        if problem:
            return problem_response(problem)
        items = [
            row | {"node": node["node"]}
            for node in nodes
            if node["report"] is not None
            for row in rows(node["report"])
        ]
        failed = [{"node": node["node"], "error": node["error"]} for node in nodes if node["error"]]
        return JsonResponse({"items": items, "problems": failed})

    return view


api_slowlog = _items_of("slowlog", lambda report: report["entries"])
api_clients = _items_of("clients", lambda report: report)
api_commandstats = _items_of("commandstats", lambda report: report)
