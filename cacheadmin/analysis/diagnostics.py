"""A server report (server_reports) of every server of an instance: the one server,
Sentinel's current master, or each node of a cluster (replicas too), asked at once. A
node that fails is named with its reason beside the others' reports."""

from collections.abc import Callable
from functools import partial

import redis

from cacheadmin.analysis import server_reports
from cacheadmin.gateways.connections import Instance
from cacheadmin.gateways.parallel import call_in_parallel
from cacheadmin.gateways.problems import reason_of
from cacheadmin.gateways.redis_kinds.keyspace import Keyspace
from cacheadmin.gateways.service_calls import Outcome, call_redis

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
            "report": None if isinstance(answer, Exception) else answer,
            "error": reason_of(answer) if isinstance(answer, Exception) else None,
        }
        for name, answer in answers.items()
    ]


def _answer(read: Callable[[redis.Redis], object], client: redis.Redis) -> object:
    try:
        return read(client)
    except redis.RedisError as exc:
        return exc
