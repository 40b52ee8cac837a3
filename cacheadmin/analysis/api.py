"""JSON API of server diagnostics (every server's slow log, clients and command
statistics, each item naming its node, "" on a single server) and of keyspace
analyses (started, then read as the worker goes)."""

from collections.abc import Callable

from django.http import HttpRequest, JsonResponse

from cacheadmin.analysis.analysis_jobs import report_of, start
from cacheadmin.analysis.diagnostics import every_node_report
from cacheadmin.analysis.forms import AnalysisForm
from cacheadmin.gateways import connections
from cacheadmin.gateways.problems import BAD_REQUEST, NOT_FOUND
from cacheadmin.models import KeyspaceAnalysis
from cacheadmin.web.instance_paths import visible_to
from cacheadmin.web.json_api import (
    api_error,
    invalid_form,
    json_body,
    json_methods,
    problem_response,
)


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


NUMBER = (int,)
TEXT = (str,)
ANALYSIS_BODY = {"db": NUMBER, "prefix": TEXT, "delimiter": TEXT, "depth": NUMBER}


@json_methods("POST")
def api_analyses(request: HttpRequest) -> JsonResponse:
    """POST /api/analyses: a new analysis of the instance (?instance=, or "instance" in
    the body), queued for the worker."""
    body, refusal = json_body(request, ANALYSIS_BODY | {"instance": TEXT}, "This analysis")
    if refusal:
        return refusal
    instance, refusal = _instance_of(request, body.pop("instance", None))
    if refusal:
        return refusal
    form = AnalysisForm(body)
    if not form.is_valid():
        return invalid_form(form, "This analysis is not valid.")
    row, problem = start(user=request.user, instance=instance, **form.cleaned_data)
    if problem:
        return problem_response(problem)
    return JsonResponse({"id": row.id, "status": row.status}, status=201)


def _instance_of(request: HttpRequest, named: str | None) -> tuple:
    """The instance of ?instance=, or of the body's "instance" (the same if both)."""
    if named is None:
        return request.instance, None
    if request.instance_named and named != request.instance.name:
        return None, api_error(BAD_REQUEST, "?instance= and the body name two instances.")
    if named not in visible_to(request):
        return None, api_error(NOT_FOUND, "There is no such instance.")
    return connections.instance(named), None


@json_methods("GET")
def api_analysis(request: HttpRequest, id: int) -> JsonResponse:  # noqa: A002 (the URL's)
    """GET /api/analyses/<id>: the analysis as far as it got, its report summed up."""
    row = KeyspaceAnalysis.objects.filter(id=id).first()
    if row is None or row.instance not in visible_to(request):
        return api_error(NOT_FOUND, f"There is no analysis {id}.")
    return JsonResponse(analysis_json(row))


def analysis_json(row: KeyspaceAnalysis) -> dict:
    return {
        "id": row.id,
        "instance": row.instance,
        "status": row.status,
        "db": row.db,
        "total": row.total,
        "examined": row.examined,
        **report_of(row),
        "error": row.error or None,
        "requester": row.requester_name,
        "created": row.created_at.isoformat(),
        "finished": row.finished_at.isoformat() if row.finished_at else None,
    }
