"""The broker's headline figures for the overview, from the management API."""

from typing import Any
from urllib.parse import quote

from cacheadmin.gateways.problems import REFUSED, Problem
from cacheadmin.gateways.rabbit_management import ManagementClient, ManagementError

VHOST_COLUMNS = "name,messages,messages_ready,messages_unacknowledged,message_stats"


def overview(client: ManagementClient) -> dict:
    """Version, cluster, message and object totals and rates of the broker, or of the
    instance's virtual host when its user sees no further (vhost: its name; None for
    the whole broker).

    A figure the broker cannot report (statistics disabled, too few rights) is
    None, not 0: an unknown is not an idle cluster. With statistics on, a missing
    total or rate means none yet (no queues, no traffic), as the management UI shows it.
    """
    data = client.get_object("api/overview")
    vhost = client.scope()
    if vhost is not None:
        data = data | vhost_totals(client, vhost)
    return summarise_overview(data) | {"vhost": vhost}


def vhost_totals(client: ManagementClient, vhost: str) -> dict:
    """The overview's totals and rates for one virtual host, from its own endpoints
    (/api/vhosts/<vhost> is for administrators: its row of /api/vhosts is read).
    Consumers are its queues' (a user without the monitoring tag sees only its own
    consumers, connections and channels: those two are unknown, None)."""
    rows = client.get("api/vhosts", {"columns": VHOST_COLUMNS}) or []
    row = next((r for r in rows if isinstance(r, dict) and r.get("name") == vhost), None)
    if row is None:  # the list holds the vhosts the user has permissions on
        text = (
            f"RabbitMQ at {client.base_url} shows user '{client.user}' no virtual host "
            f"{vhost!r}: the user has no permissions there, or it is not there "
            f"(rabbitmqctl set_permissions -p '{vhost}' '{client.user}' ...)."
        )
        raise ManagementError(Problem(REFUSED, text))
    queues = client.get(f"api/queues/{quote(vhost, safe='')}", {"columns": "consumers"})
    queues = [queue for queue in queues if isinstance(queue, dict)] if queues else []
    return {
        "queue_totals": {
            name: row[name]
            for name in ("messages", "messages_ready", "messages_unacknowledged")
            if name in row
        },
        "object_totals": {
            "queues": len(queues),
            "consumers": sum(_number(queue.get("consumers")) or 0 for queue in queues),
        },
        "message_stats": row.get("message_stats") or {},
    }


def overview_with_alarms(client: ManagementClient) -> dict:
    """overview(), the cluster's nodes (from /api/nodes) and their alarms (memory, disk,
    a node down) and network partitions; for one virtual host, no nodes (its user may
    not read them: that is the point of its scope)."""
    figures = overview(client)
    if figures["vhost"] is not None:
        return figures | {"alarms": [], "nodes": None}
    try:
        nodes = client.get("api/nodes") or []
    except ManagementError as exc:
        if exc.problem.kind != REFUSED:
            raise
        # A user with the management tag sees its vhosts' figures, not the nodes.
        return figures | {"alarms": [], "nodes": None, "nodes_refused": exc.problem.message}
    nodes = [node for node in nodes if isinstance(node, dict)] if isinstance(nodes, list) else []
    return figures | {"alarms": node_alarms(nodes), "nodes": [node_row(node) for node in nodes]}


def node_row(node: dict) -> dict:
    """One node's health: each resource used beside its limit, its alarms."""
    return {
        "name": _text(node.get("name")) or "?",
        "running": node.get("running") is not False,
        "memory": (_number(node.get("mem_used")), _number(node.get("mem_limit"))),
        "memory_alarm": bool(node.get("mem_alarm")),
        "disk_free": (_number(node.get("disk_free")), _number(node.get("disk_free_limit"))),
        "disk_alarm": bool(node.get("disk_free_alarm")),
        "file_descriptors": (_number(node.get("fd_used")), _number(node.get("fd_total"))),
        "sockets": (_number(node.get("sockets_used")), _number(node.get("sockets_total"))),
        "processes": (_number(node.get("proc_used")), _number(node.get("proc_total"))),
        "partitions": [str(other) for other in node.get("partitions") or []],
        "uptime_seconds": (_number(node.get("uptime")) or 0) // 1000,
    }


def node_alarms(nodes: list) -> list[str]:
    """Each alarm in words: "rabbit@a: memory", "rabbit@b: partitioned from rabbit@c"."""
    alarms = []
    for node in nodes:
        if not isinstance(node, dict):
            continue
        name = _text(node.get("name")) or "a node"
        if node.get("running") is False:
            alarms.append(f"{name}: not running")
        if node.get("mem_alarm"):
            alarms.append(f"{name}: memory")
        if node.get("disk_free_alarm"):
            alarms.append(f"{name}: disk")
        for other in node.get("partitions") or []:
            alarms.append(f"{name}: partitioned from {other}")
    return alarms


def summarise_overview(data: dict) -> dict:
    """The figures of overview() from the API's answer."""
    queues = _section(data, "queue_totals")
    objects = _section(data, "object_totals")
    stats = _section(data, "message_stats") if data.get("disable_stats") is not True else None
    none_yet = 0 if stats is not None else None
    return {
        "version": _text(data.get("rabbitmq_version")),
        "cluster_name": _text(data.get("cluster_name")),
        "node": _text(data.get("node")),
        "messages_ready": _number(queues.get("messages_ready", none_yet)),
        "messages_unacknowledged": _number(queues.get("messages_unacknowledged", none_yet)),
        "messages": _number(queues.get("messages", none_yet)),
        "queues": _number(objects.get("queues")),
        "consumers": _number(objects.get("consumers")),
        "connections": _number(objects.get("connections")),
        "channels": _number(objects.get("channels")),
        "publish_rate": _rate(stats, "publish"),
        "deliver_rate": _rate(stats, "deliver_get"),
        "ack_rate": _rate(stats, "ack"),
    }


def _section(data: dict, name: str) -> dict:
    section = data.get(name)
    return section if isinstance(section, dict) else {}


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _rate(stats: dict | None, name: str) -> float | None:
    """A message rate; 0 when the broker has seen none of these messages yet."""
    if stats is None:
        return None
    details = stats.get(f"{name}_details")
    if not isinstance(details, dict):
        return 0.0
    return _number(details.get("rate"))
