"""A Redis Cluster as a whole: its state and slot coverage, every primary and replica
with its own figures (as the caller reads a node's INFO), and totals summed over the
primaries."""

from collections.abc import Callable

import redis

from cacheadmin.gateways.problems import reason_of

Figures = Callable[[dict], dict]  # a node's INFO -> version, keys, memory, ..., hit_rate


def cluster_summary(space, figures: Figures, hit_rate: Callable) -> dict:
    """The overview's figures of a cluster: the card's usual ones are the totals of the
    primaries that answered (labelled so), with "cluster" for the state and the nodes.
    Every node is asked at once, in one round trip each: a node that is down or hung
    costs the page one timeout (REDIS_TIMEOUT), never one per question."""
    client = space.client
    answers = _ask(space, list(client.nodes_manager.nodes_cache))
    view = _view(client, answers)
    state, listed = view[0], view[1]
    unasked = [address for address in listed if address not in answers]
    answers |= _ask(space, [address for address in unasked if not _failing(listed[address])])
    nodes = [
        _node(address, node, answers.get(address), figures) for address, node in listed.items()
    ]
    nodes.sort(
        key=lambda node: (node["role"] != "primary", node["primary_of"] or "", node["address"])
    )
    primaries = [node for node in nodes if node["role"] == "primary"]
    answered = [node for node in primaries if node["up"]]
    hits = sum(node["hits"] for node in answered)
    misses = sum(node["misses"] for node in answered)
    down = len(primaries) - len(answered)
    return {
        "version": next((node["version"] for node in nodes if node["version"]), None),
        "mode": "cluster",
        "role": f"cluster of {len(primaries)} primaries" + (f", {down} down" if down else ""),
        "memory": {
            "used": sum(node["memory"] for node in answered),
            "max": sum(node["maxmemory"] for node in answered),
            "peak": None,
            "policy": None,
        },
        "ops_per_sec": sum(node["ops_per_sec"] for node in answered),
        "clients": sum(node.get("clients", 0) for node in answered),
        "evicted_keys": sum(node.get("evicted_keys", 0) for node in answered),
        "total_keys": sum(node["keys"] for node in answered),
        "hits": hits,
        "misses": misses,
        "hit_rate": hit_rate(hits, misses),
        "cluster": {
            "state": state.get("cluster_state"),
            "slots_ok": int(state.get("cluster_slots_ok", 0)),
            "slots_pfail": int(state.get("cluster_slots_pfail", 0)),
            "slots_fail": int(state.get("cluster_slots_fail", 0)),
            "slots_assigned": int(state.get("cluster_slots_assigned", 0)),
            "current_epoch": int(state.get("cluster_current_epoch", 0)),
            "primaries": len(primaries),
            "primaries_down": down,
            "nodes": nodes,
        },
    }


def _ask(space, addresses: list[str]) -> dict[str, object]:
    """CLUSTER INFO, CLUSTER NODES and INFO of each node, all at once (a pipeline each):
    by address, the three answers, or the error of a node that did not give them."""

    def ask(node: redis.Redis) -> list:
        with node.pipeline(transaction=False) as pipe:
            return pipe.cluster("info").cluster("nodes").info().execute()

    return space.ask_nodes(ask, addresses)


def _view(cluster, answers: dict[str, object]) -> list:
    """The cluster as a node that answered sees it (a primary's, when one answered);
    when none did, the first node's error."""
    primaries = {node.name for node in cluster.get_primaries()}
    answered = [address for address, answer in answers.items() if isinstance(answer, list)]
    answered.sort(key=lambda address: address not in primaries)
    if not answered:
        raise next(iter(answers.values()), redis.ConnectionError("no node of the cluster is known"))
    return answers[answered[0]]


def _failing(node: dict) -> bool:
    """The cluster flags the node as failing (fail), or one node suspects it (fail?)."""
    return any(flag in ("fail", "fail?") for flag in node.get("flags", "").split(","))


def _node(address: str, node: dict, answer: object, figures: Figures) -> dict:
    """One node, as the cluster sees it and as its own INFO says (answer: its three
    replies, an error, or None when it was not asked: the cluster says it failed). A
    primary that failed and whose slots a replica took over is a former primary."""
    flags = node.get("flags", "")
    slots = _ranges(node)
    role = "primary" if "master" in flags else "replica"
    if role == "primary" and _failing(node) and not slots:
        role = "former primary"
    row = {
        "address": address,
        "id": node.get("node_id", "")[:8],
        "role": role,
        "primary_of": None if node.get("master_id") in (None, "-") else node["master_id"][:8],
        "flags": flags,
        "link": "connected" if node.get("connected") else "disconnected",
        "epoch": int(node.get("epoch") or 0),
        "slots": sum(int(end) - int(start) + 1 for start, end in slots),
        "up": not _failing(node),
        "problem": None,
        "version": None,
        **dict.fromkeys(("keys", "memory", "maxmemory", "ops_per_sec", "hits", "misses"), 0),
        "hit_rate": None,
        "replication": None,
    }
    if not isinstance(answer, list):
        why = (
            reason_of(answer) if answer is not None else f"the cluster flags it as failed ({flags})"
        )
        unserved = f"; its slots {_slots_text(slots)} are unserved" if slots else ""
        return row | {"up": False, "problem": f"{why}{unserved}"}
    return row | figures(answer[2])


def _slots_text(ranges: list) -> str:
    return ",".join(str(start) if start == end else f"{start}-{end}" for start, end in ranges)


def _ranges(node: dict) -> list:
    """The node's slot ranges; a single slot comes as one number."""
    ranges = []
    for part in node.get("slots") or []:
        start, end = (part[0], part[1]) if len(part) > 1 else (part[0], part[0])
        ranges.append((start, end))
    return ranges
