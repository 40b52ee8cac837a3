"""A server report (server_reports) of every server of an instance: the one server,
Sentinel's current master, or each node of a cluster (replicas too), asked at once. A
node that fails is named with its reason beside the others' reports."""

from collections.abc import Callable
from functools import partial
from typing import TypeVar

import redis

from cacheadmin.analysis import server_reports
from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.parallel import call_in_parallel
from cacheadmin.gateways.problems import CHANGED, NOT_FOUND, Problem, Refusal, reason_of
from cacheadmin.gateways.redis_kinds.keyspace import Keyspace
from cacheadmin.gateways.service_calls import Outcome, call_redis

T = TypeVar("T")
SERVER_CHANGED = (
    "The server has changed since the page showed it (a failover, or a restart): "
    "nothing was done; look again."
)
REPORTS: dict[str, Callable[[redis.Redis], object]] = {
    "slowlog": server_reports.slowlog,
    "clients": server_reports.clients,
    "commandstats": server_reports.commandstats,
    "latency": server_reports.latency,
    "memory": server_reports.memory,
}


def every_node_report(*, instance: Instance, report: str) -> Outcome:
    """[{"node", "primary", "report", "error"}] in the nodes' order; node is "" on a
    single server."""
    return call_redis(partial(_ask_every_node, REPORTS[report]), instance=instance)


def _ask_every_node(read: Callable[[redis.Redis], object], space: Keyspace) -> list[dict]:
    nodes = space.every_node()
    primaries = space.primary_names()
    answers = call_in_parallel(
        **{name: partial(_answer, read, client) for name, client in nodes.items()}
    )
    return [
        {
            "node": name,
            "primary": name in primaries,
            "report": None if isinstance(answer, Exception) else answer["data"],
            "run_id": None if isinstance(answer, Exception) else answer["run_id"],
            "error": reason_of(answer) if isinstance(answer, Exception) else None,
        }
        for name, answer in answers.items()
    ]


def _answer(read: Callable[[redis.Redis], object], client: redis.Redis) -> object:
    try:
        return {"run_id": run_id(client), "data": read(client)}
    except redis.RedisError as exc:
        return exc


def run_id(client: redis.Redis) -> str:
    """The server's run id: a change asked on a page is made only on the server the
    page showed (after a failover, a node's name may stand for another server)."""
    return str(client.info("server").get("run_id", ""))


def on_node(
    *, instance: Instance, node: str, seen_run_id: str, change: Callable[[redis.Redis], T]
) -> Outcome:
    """change asked of one server of the instance, the one a page showed: refused when
    the node is not the instance's, or is no longer the server seen (its run id)."""

    def run(space: Keyspace) -> T:
        client = space.every_node().get(node)
        if client is None:
            raise Refusal(Problem(NOT_FOUND, f"The instance has no server {node!r} now."))
        if run_id(client) != seen_run_id:
            raise Refusal(Problem(CHANGED, SERVER_CHANGED))
        return change(client)

    return call_redis(run, instance=instance)
